#include "engine/tokenizer/added_vocabulary.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "engine/tokenizer/json_fields.hpp"
#include "engine/tokenizer/normalizer.hpp"
#include "engine/tokenizer/unicode.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

namespace jf = json_fields;

bool is_word_char(char32_t c) {
  return c == '_' || unicode::is_alphanumeric(c);
}

char32_t char_before(std::string_view text, std::size_t pos) {
  std::size_t start = pos - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0u) == 0x80u) --start;
  return utf8::decode(text, start).code_point;
}

}  // namespace

AddedVocabulary::AddedVocabulary(const nlohmann::json& list, const Normalizer* normalizer) {
  if (list.is_null()) return;
  if (!list.is_array()) throw Error("'added_tokens' must be an array");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& item = list[i];
    AddedToken token;
    const auto id = jf::int_or(item, "id", -1);
    if (id < 0 || id > (1 << 22))
      throw Error("added token " + std::to_string(i) + " has no valid id");
    token.id = static_cast<std::int32_t>(id);
    token.content = jf::string_field(item, "content");
    token.single_word = jf::bool_or(item, "single_word", false);
    token.lstrip = jf::bool_or(item, "lstrip", false);
    token.rstrip = jf::bool_or(item, "rstrip", false);
    token.special = jf::bool_or(item, "special", false);
    token.normalized = jf::bool_or(item, "normalized", !token.special);
    tokens_.push_back(std::move(token));
  }
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& token = tokens_[i];
    if (token.content.empty()) continue;
    if (token.normalized && normalizer != nullptr) {
      std::string text = normalizer->normalize(utf8::sanitize(token.content));
      if (!text.empty()) normalized_patterns_.push_back({std::move(text), i});
    } else if (token.normalized) {
      normalized_patterns_.push_back({utf8::sanitize(token.content), i});
    } else {
      raw_patterns_.push_back({utf8::sanitize(token.content), i});
    }
  }
  // Longest first, so the first pattern that matches at a position is the longest.
  for (auto* patterns : {&raw_patterns_, &normalized_patterns_}) {
    std::stable_sort(patterns->begin(), patterns->end(), [](const Pattern& a, const Pattern& b) {
      return a.text.size() > b.text.size();
    });
  }
}

std::vector<Segment> AddedVocabulary::split(std::string_view text,
                                            const Normalizer* normalizer) const {
  std::vector<Segment> raw;
  split_with(raw_patterns_, Segment{std::string(text), std::nullopt, true}, raw);
  std::vector<Segment> out;
  for (auto& segment : raw) {
    if (segment.id) {
      out.push_back(std::move(segment));
      continue;
    }
    if (normalizer != nullptr) segment.text = normalizer->normalize(segment.text);
    split_with(normalized_patterns_, segment, out);
  }
  return out;
}

void AddedVocabulary::split_with(const std::vector<Pattern>& patterns, const Segment& segment,
                                 std::vector<Segment>& out) const {
  const std::string_view text = segment.text;
  if (patterns.empty()) {
    if (!text.empty()) out.push_back(segment);
    return;
  }
  std::size_t emitted = 0;     // text before this offset is already in `out`
  std::size_t search_end = 0;  // a stripped match may not reach back before this
  const auto emit_text = [&](std::size_t end) {
    if (end > emitted) {
      out.push_back({std::string(text.substr(emitted, end - emitted)), std::nullopt,
                     segment.at_start && emitted == 0});
    }
  };
  for (std::size_t pos = 0; pos < text.size();) {
    const Pattern* match = nullptr;
    for (const Pattern& p : patterns) {
      if (text.compare(pos, p.text.size(), p.text) == 0) {
        match = &p;
        break;
      }
    }
    if (match == nullptr) {
      pos += utf8::decode(text, pos).length;
      continue;
    }
    const AddedToken& token = tokens_[match->token];
    std::size_t start = pos;
    std::size_t stop = pos + match->text.size();
    if (token.single_word) {
      const bool word_before = start > 0 && is_word_char(char_before(text, start));
      const bool word_after =
          stop < text.size() && is_word_char(utf8::decode(text, stop).code_point);
      if (word_before || word_after) {
        pos = stop;
        continue;
      }
    }
    if (token.lstrip) {
      while (start > search_end && unicode::is_whitespace(char_before(text, start))) {
        start -= utf8::encode(char_before(text, start)).size();
      }
    }
    if (token.rstrip) {
      while (stop < text.size()) {
        const utf8::Char c = utf8::decode(text, stop);
        if (!unicode::is_whitespace(c.code_point)) break;
        stop += c.length;
      }
    }
    emit_text(start);
    out.push_back({token.content, token.id, segment.at_start && start == 0});
    emitted = stop;
    search_end = stop;
    pos = stop;
  }
  emit_text(text.size());
}

const AddedToken* AddedVocabulary::find(std::int32_t id) const {
  for (const auto& token : tokens_) {
    if (token.id == id) return &token;
  }
  return nullptr;
}

std::optional<std::int32_t> AddedVocabulary::find(std::string_view content) const {
  for (const auto& token : tokens_) {
    if (token.content == content) return token.id;
  }
  return std::nullopt;
}

}  // namespace reasonrec::engine
