#include <nlohmann/json.hpp>

#include <functional>

#include "engine/tokenizer/byte_level.hpp"
#include "engine/tokenizer/json_fields.hpp"
#include "engine/tokenizer/pre_tokenizer.hpp"
#include "engine/tokenizer/split_behavior.hpp"
#include "engine/tokenizer/unicode.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

namespace jf = json_fields;
using Matches = std::vector<std::pair<std::size_t, std::size_t>>;

// One match per character satisfying `predicate` (HF's char-predicate patterns).
Matches char_matches(std::string_view text, const std::function<bool(char32_t)>& predicate) {
  Matches matches;
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::Char c = utf8::decode(text, pos);
    if (predicate(c.code_point)) matches.emplace_back(pos, pos + c.length);
    pos += c.length;
  }
  return matches;
}

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space),
        use_regex_(use_regex),
        regex_(byte_level::kGpt2Pattern) {}
  void split(std::string_view text, bool, std::vector<std::string>& out) const override {
    std::string prefixed;
    if (add_prefix_space_ && (text.empty() || text.front() != ' ')) {
      prefixed = " " + std::string(text);
      text = prefixed;
    }
    std::vector<std::string> pieces;
    if (use_regex_) {
      split_at(text, regex_.find_all(text), SplitBehavior::Isolated, false, pieces);
    } else if (!text.empty()) {
      pieces.emplace_back(text);
    }
    for (const auto& piece : pieces) out.push_back(byte_level::encode(piece));
  }

 private:
  bool add_prefix_space_, use_regex_;
  Regex regex_;
};

class Split final : public PreTokenizer {
 public:
  Split(Regex pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}
  void split(std::string_view text, bool, std::vector<std::string>& out) const override {
    split_at(text, pattern_.find_all(text), behavior_, invert_, out);
  }

 private:
  Regex pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

enum class PrependScheme { First, Always, Never };

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(std::string replacement, PrependScheme scheme, bool split_words)
      : replacement_(std::move(replacement)),
        scheme_(scheme),
        split_(split_words),
        separator_(Regex::literal(replacement_)) {}
  void split(std::string_view text, bool at_start, std::vector<std::string>& out) const override {
    std::string replaced;
    for (const char c : text) {
      if (c == ' ') {
        replaced += replacement_;
      } else {
        replaced.push_back(c);
      }
    }
    const bool has_prefix = replaced.starts_with(replacement_);
    if (!has_prefix &&
        (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && at_start))) {
      replaced = replacement_ + replaced;
    }
    if (split_) {
      split_at(replaced, separator_.find_all(replaced), SplitBehavior::MergedWithNext, false, out);
    } else if (!replaced.empty()) {
      out.push_back(std::move(replaced));
    }
  }

 private:
  std::string replacement_;
  PrependScheme scheme_;
  bool split_;
  Regex separator_;
};

// Splits by a character predicate with a fixed behaviour (WhitespaceSplit, Punctuation, ...).
class CharSplit final : public PreTokenizer {
 public:
  CharSplit(std::function<bool(char32_t)> predicate, SplitBehavior behavior)
      : predicate_(std::move(predicate)), behavior_(behavior) {}
  void split(std::string_view text, bool, std::vector<std::string>& out) const override {
    split_at(text, char_matches(text, predicate_), behavior_, false, out);
  }

 private:
  std::function<bool(char32_t)> predicate_;
  SplitBehavior behavior_;
};

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> steps) : steps_(std::move(steps)) {}
  void split(std::string_view text, bool at_start, std::vector<std::string>& out) const override {
    std::vector<std::string> pieces{std::string(text)};
    for (const auto& step : steps_) {
      std::vector<std::string> next;
      for (std::size_t i = 0; i < pieces.size(); ++i) {
        step->split(pieces[i], at_start && i == 0, next);
      }
      pieces = std::move(next);
    }
    for (auto& piece : pieces) out.push_back(std::move(piece));
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

// Rust regex's \w (Alphabetic, marks, decimal digits, connector punctuation) in PCRE2 terms.
constexpr const char* kWhitespacePattern =
    R"([\p{L}\p{Nl}\p{Nd}\p{M}\p{Pc}]+|[^\p{L}\p{Nl}\p{Nd}\p{M}\p{Pc}\s]+)";

PrependScheme parse_prepend_scheme(const nlohmann::json& config) {
  if (config.contains("prepend_scheme")) {
    const std::string scheme = jf::string_field(config, "prepend_scheme");
    if (scheme == "first") return PrependScheme::First;
    if (scheme == "always") return PrependScheme::Always;
    if (scheme == "never") return PrependScheme::Never;
    throw Error("unknown prepend_scheme '" + scheme + "'");
  }
  return jf::bool_or(config, "add_prefix_space", true) ? PrependScheme::Always
                                                       : PrependScheme::Never;
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& config) {
  if (config.is_null()) return nullptr;
  const std::string type = jf::type_of(config);
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevel>(jf::bool_or(config, "add_prefix_space", true),
                                       jf::bool_or(config, "use_regex", true));
  }
  if (type == "Split") {
    return std::make_unique<Split>(jf::pattern(config),
                                   parse_split_behavior(jf::string_field(config, "behavior")),
                                   jf::bool_or(config, "invert", false));
  }
  if (type == "Metaspace") {
    std::string replacement = jf::string_or(config, "replacement", "\xE2\x96\x81");
    if (utf8::length(replacement) != 1) throw Error("Metaspace replacement must be one character");
    return std::make_unique<Metaspace>(std::move(replacement), parse_prepend_scheme(config),
                                       jf::bool_or(config, "split", true));
  }
  if (type == "Whitespace") {
    return std::make_unique<Split>(Regex(kWhitespacePattern), SplitBehavior::Removed, true);
  }
  if (type == "WhitespaceSplit") {
    return std::make_unique<CharSplit>(unicode::is_whitespace, SplitBehavior::Removed);
  }
  if (type == "BertPreTokenizer") {
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    steps.push_back(std::make_unique<CharSplit>(unicode::is_whitespace, SplitBehavior::Removed));
    steps.push_back(std::make_unique<CharSplit>(unicode::is_punctuation, SplitBehavior::Isolated));
    return std::make_unique<Sequence>(std::move(steps));
  }
  if (type == "Punctuation") {
    return std::make_unique<CharSplit>(
        unicode::is_punctuation,
        parse_split_behavior(jf::string_or(config, "behavior", "Isolated")));
  }
  if (type == "Digits") {
    const bool individual = jf::bool_or(config, "individual_digits", false);
    return std::make_unique<CharSplit>(
        [](char32_t c) { return c >= '0' && c <= '9'; },
        individual ? SplitBehavior::Isolated : SplitBehavior::Contiguous);
  }
  if (type == "CharDelimiterSplit") {
    const std::string delimiter = jf::string_field(config, "delimiter");
    if (utf8::length(delimiter) != 1)
      throw Error("CharDelimiterSplit delimiter must be one character");
    const char32_t d = utf8::decode(delimiter, 0).code_point;
    return std::make_unique<CharSplit>([d](char32_t c) { return c == d; }, SplitBehavior::Removed);
  }
  if (type == "Sequence") {
    const auto& list = jf::require(config, "pretokenizers");
    if (!list.is_array()) throw Error("'pretokenizers' must be an array");
    std::vector<std::unique_ptr<PreTokenizer>> steps;
    for (const auto& item : list) {
      if (auto step = make_pre_tokenizer(item)) steps.push_back(std::move(step));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw Error("unsupported pre_tokenizer type '" + type + "'");
}

}  // namespace reasonrec::engine
