#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::engine {

class Normalizer;

struct AddedToken {
  std::int32_t id = 0;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = false;
  bool special = false;
};

// A piece of input: either text for the model or an added token already resolved.
struct Segment {
  std::string text;
  std::optional<std::int32_t> id;
  bool at_start = false;  // begins the original input
};

// tokenizer.json "added_tokens": matched (leftmost-longest) before the model sees the text;
// normalized=false tokens against the raw text, normalized=true ones after normalizing.
class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  AddedVocabulary(const nlohmann::json& list, const Normalizer* normalizer);

  // Splits `text` and normalizes the non-token pieces with `normalizer` (may be null).
  std::vector<Segment> split(std::string_view text, const Normalizer* normalizer) const;
  const AddedToken* find(std::int32_t id) const;
  std::optional<std::int32_t> find(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Pattern {
    std::string text;  // what is matched (normalized content for normalized tokens)
    std::size_t token;
  };
  void split_with(const std::vector<Pattern>& patterns, const Segment& segment,
                  std::vector<Segment>& out) const;

  std::vector<AddedToken> tokens_;
  std::vector<Pattern> raw_patterns_;
  std::vector<Pattern> normalized_patterns_;
};

}  // namespace reasonrec::engine
