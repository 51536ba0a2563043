#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reasonrec::engine {

// A compiled PCRE2 pattern in UTF + Unicode-property mode (\p{L}, \s and \w are Unicode).
// Subjects must be valid UTF-8 (the tokenizer sanitizes its input first).
class Regex {
 public:
  explicit Regex(const std::string& pattern);  // throws Error naming the pattern
  static Regex literal(std::string_view text);

  // Non-empty, non-overlapping matches as [begin, end) byte offsets, left to right.
  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view subject) const;
  std::string replace_all(std::string_view subject, std::string_view replacement) const;

 private:
  struct Code;
  std::shared_ptr<const Code> code_;
};

}  // namespace reasonrec::engine
