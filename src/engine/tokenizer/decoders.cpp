#include <algorithm>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/byte_level.hpp"
#include "engine/tokenizer/decoder.hpp"
#include "engine/tokenizer/json_fields.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

namespace jf = json_fields;
using Tokens = std::vector<std::string>;

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  for (std::size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

class ByteLevel final : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens, const DecodeMode& mode) const override {
    std::string bytes;
    for (const auto& token : tokens) {
      const auto decoded = byte_level::decode(token);
      bytes += decoded ? *decoded : token;
    }
    return {mode.raw_bytes ? bytes : utf8::sanitize(bytes)};
  }
  bool joins_tokens() const override { return true; }
};

class ByteFallback final : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens, const DecodeMode& mode) const override {
    Tokens out;
    std::string pending;
    const auto flush = [&] {
      if (pending.empty()) return;
      if (mode.raw_bytes || utf8::is_valid(pending)) {
        out.push_back(pending);
      } else {
        for (std::size_t i = 0; i < pending.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      pending.clear();
    };
    for (auto& token : tokens) {
      if (const auto byte = parse_byte(token)) {
        pending.push_back(static_cast<char>(*byte));
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    return out;
  }

 private:
  static std::optional<unsigned> parse_byte(const std::string& token) {
    if (token.size() != 6 || !token.starts_with("<0x") || token.back() != '>') return std::nullopt;
    unsigned value = 0;
    for (std::size_t i = 3; i < 5; ++i) {
      const char c = token[i];
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<unsigned>(c - '0');
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<unsigned>(c - 'A' + 10);
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<unsigned>(c - 'a' + 10);
      } else {
        return std::nullopt;
      }
    }
    return value;
  }
};

class Metaspace final : public Decoder {
 public:
  Metaspace(std::string replacement, bool strip_first)
      : replacement_(std::move(replacement)), strip_first_(strip_first) {}
  Tokens decode_chain(Tokens tokens, const DecodeMode& mode) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      replace_all(tokens[i], replacement_, " ");
      if (i == 0 && mode.sequence_start && strip_first_ && tokens[i].starts_with(' ')) {
        tokens[i].erase(0, 1);
      }
    }
    return tokens;
  }

 private:
  std::string replacement_;
  bool strip_first_;
};

// Undoes the spaces that joining word pieces puts before punctuation and contractions.
void cleanup(std::string& text) {
  static constexpr std::pair<const char*, const char*> kRules[] = {
      {" .", "."},   {" ?", "?"},     {" !", "!"},    {" ,", ","},
      {" ' ", "'"},  {" n't", "n't"}, {" 'm", "'m"},  {" do not", " don't"},
      {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) replace_all(text, from, to);
}

class WordPiece final : public Decoder {
 public:
  WordPiece(std::string prefix, bool clean) : prefix_(std::move(prefix)), cleanup_(clean) {}
  Tokens decode_chain(Tokens tokens, const DecodeMode& mode) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      if (i != 0 || !mode.sequence_start) {
        if (tokens[i].starts_with(prefix_)) {
          tokens[i].erase(0, prefix_.size());
        } else {
          tokens[i] = " " + tokens[i];
        }
      }
      if (cleanup_) cleanup(tokens[i]);
    }
    return tokens;
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

class Replace final : public Decoder {
 public:
  Replace(Regex pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  Tokens decode_chain(Tokens tokens, const DecodeMode& mode) const override {
    for (auto& token : tokens) {
      // Byte-level pieces may be partial UTF-8, which PCRE2 must not see.
      if (!mode.raw_bytes || utf8::is_valid(token)) token = pattern_.replace_all(token, content_);
    }
    return tokens;
  }

 private:
  Regex pattern_;
  std::string content_;
};

class Fuse final : public Decoder {
 public:
  Tokens decode_chain(Tokens tokens, const DecodeMode&) const override {
    std::string joined;
    for (const auto& token : tokens) joined += token;
    return {joined};
  }
  bool joins_tokens() const override { return true; }
};

// HF strips every token of the chain. After a Fuse (Llama 2: Replace, ByteFallback, Fuse,
// Strip) the one token is the whole text, so only the text's own start and end are stripped;
// a token decoded alone for token_bytes is then a piece from the middle of a text and keeps
// its leading space, as HF's streaming decode (the difference of prefix decodes) gives it.
class Strip final : public Decoder {
 public:
  Strip(std::string content, std::size_t start, std::size_t stop)
      : content_(std::move(content)), start_(start), stop_(stop) {}
  Tokens decode_chain(Tokens tokens, const DecodeMode& mode) const override {
    const bool strip_start = !mode.joined || mode.sequence_start;
    const bool strip_stop = !mode.joined || mode.sequence_end;
    for (auto& token : tokens) {
      for (std::size_t i = 0; strip_start && i < start_ && token.starts_with(content_); ++i) {
        token.erase(0, content_.size());
      }
      for (std::size_t i = 0; strip_stop && i < stop_ && token.ends_with(content_); ++i) {
        token.erase(token.size() - content_.size());
      }
    }
    return tokens;
  }

 private:
  std::string content_;
  std::size_t start_, stop_;
};

class BpeDecoder final : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  Tokens decode_chain(Tokens tokens, const DecodeMode& mode) const override {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
      const bool last = i + 1 == tokens.size() && mode.sequence_end;
      replace_all(tokens[i], suffix_, last ? "" : " ");
    }
    return tokens;
  }

 private:
  std::string suffix_;
};

class Sequence final : public Decoder {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  Tokens decode_chain(Tokens tokens, const DecodeMode& mode) const override {
    DecodeMode step_mode = mode;
    for (const auto& step : steps_) {
      tokens = step->decode_chain(std::move(tokens), step_mode);
      step_mode.joined = step_mode.joined || step->joins_tokens();
    }
    return tokens;
  }
  bool joins_tokens() const override {
    return std::any_of(steps_.begin(), steps_.end(),
                       [](const auto& step) { return step->joins_tokens(); });
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

bool metaspace_strips_first(const nlohmann::json& config) {
  if (config.contains("prepend_scheme"))
    return jf::string_field(config, "prepend_scheme") != "never";
  return jf::bool_or(config, "add_prefix_space", true);
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& config) {
  if (config.is_null()) return nullptr;
  const std::string type = jf::type_of(config);
  if (type == "ByteLevel") return std::make_unique<ByteLevel>();
  if (type == "ByteFallback") return std::make_unique<ByteFallback>();
  if (type == "Metaspace") {
    return std::make_unique<Metaspace>(jf::string_or(config, "replacement", "\xE2\x96\x81"),
                                       metaspace_strips_first(config));
  }
  if (type == "WordPiece") {
    return std::make_unique<WordPiece>(jf::string_or(config, "prefix", "##"),
                                       jf::bool_or(config, "cleanup", true));
  }
  if (type == "Replace") {
    return std::make_unique<Replace>(jf::pattern(config), jf::string_field(config, "content"));
  }
  if (type == "Fuse") return std::make_unique<Fuse>();
  if (type == "Strip") {
    const auto start = jf::int_or(config, "start", 0);
    const auto stop = jf::int_or(config, "stop", 0);
    if (start < 0 || stop < 0) throw Error("Strip decoder start/stop must not be negative");
    return std::make_unique<Strip>(jf::string_field(config, "content"),
                                   static_cast<std::size_t>(start), static_cast<std::size_t>(stop));
  }
  if (type == "BPEDecoder") {
    return std::make_unique<BpeDecoder>(jf::string_or(config, "suffix", "</w>"));
  }
  if (type == "Sequence") {
    const auto& list = jf::require(config, "decoders");
    if (!list.is_array()) throw Error("'decoders' must be an array");
    std::vector<std::unique_ptr<Decoder>> steps;
    for (const auto& item : list) {
      if (auto step = make_decoder(item)) steps.push_back(std::move(step));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw Error("unsupported decoder type '" + type + "'");
}

}  // namespace reasonrec::engine
