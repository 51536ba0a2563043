#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::engine {

// SentencePiece's precompiled normalization rules (the `precompiled_charsmap` of a .model
// file or of a tokenizer.json "Precompiled" normalizer): a uint32 trie size, a darts-clone
// double-array trie mapping UTF-8 keys to offsets, then NUL-terminated replacement strings.
class PrecompiledCharsmap {
 public:
  explicit PrecompiledCharsmap(std::string_view blob);  // throws Error when malformed

  // HF tokenizers' rule: per extended grapheme cluster, replace the whole cluster when it
  // (shorter than 6 bytes) has a rule, else replace its characters one by one.
  std::string normalize(std::string_view text) const;
  // SentencePiece's rule: longest matching prefix at each position, else one character.
  std::string normalize_longest_prefix(std::string_view text) const;

  struct Match {
    std::size_t length;            // bytes of the input matched
    std::string_view replacement;  // may be empty (a deletion)
  };
  // The longest rule matching a prefix of `text`, as SentencePiece's normalizer picks it.
  std::optional<Match> longest_match(std::string_view text) const;

 private:
  std::vector<Match> prefix_matches(std::string_view key) const;
  std::optional<std::string_view> transform(std::string_view chunk) const;

  std::vector<std::uint32_t> units_;
  std::string normalized_;
};

}  // namespace reasonrec::engine
