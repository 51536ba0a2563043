#include <nlohmann/json.hpp>

#include <vector>

#include "engine/tokenizer/base64.hpp"
#include "engine/tokenizer/json_fields.hpp"
#include "engine/tokenizer/normalizer.hpp"
#include "engine/tokenizer/precompiled_charsmap.hpp"
#include "engine/tokenizer/unicode.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

namespace jf = json_fields;

// Applies `keep_or_map` to every code point: returns false to drop it.
template <typename Fn>
std::string map_chars(std::string_view text, Fn&& fn) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::Char c = utf8::decode(text, pos);
    fn(c.code_point, out);
    pos += c.length;
  }
  return out;
}

class UnicodeForm final : public Normalizer {
 public:
  explicit UnicodeForm(unicode::NormalForm form) : form_(form) {}
  std::string normalize(std::string_view text) const override {
    return unicode::normalize(text, form_);
  }

 private:
  unicode::NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  std::string normalize(std::string_view text) const override { return unicode::to_lower(text); }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  std::string normalize(std::string_view text) const override {
    std::size_t begin = 0;
    std::size_t end = text.size();
    if (left_) {
      while (begin < end) {
        const utf8::Char c = utf8::decode(text, begin);
        if (!unicode::is_whitespace(c.code_point)) break;
        begin += c.length;
      }
    }
    if (right_) {
      while (end > begin) {
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0u) == 0x80u) --start;
        if (!unicode::is_whitespace(utf8::decode(text, start).code_point)) break;
        end = start;
      }
    }
    return std::string(text.substr(begin, end - begin));
  }

 private:
  bool left_, right_;
};

std::string strip_marks(std::string_view text) {
  return map_chars(text, [](char32_t c, std::string& out) {
    if (!unicode::is_combining_mark(c)) utf8::append(out, c);
  });
}

class StripAccents final : public Normalizer {
 public:
  std::string normalize(std::string_view text) const override { return strip_marks(text); }
};

class BertNormalizer final : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool chinese, bool strip_accents, bool lowercase)
      : clean_text_(clean_text),
        chinese_(chinese),
        strip_accents_(strip_accents),
        lowercase_(lowercase) {}

  std::string normalize(std::string_view input) const override {
    std::string text(input);
    if (clean_text_) {
      text = map_chars(text, [](char32_t c, std::string& out) {
        const bool tab_or_newline = c == '\t' || c == '\n' || c == '\r';
        if (c == 0 || c == 0xFFFD || (!tab_or_newline && unicode::is_other(c))) return;
        utf8::append(out, tab_or_newline || unicode::is_whitespace(c) ? U' ' : c);
      });
    }
    if (chinese_) {
      text = map_chars(text, [](char32_t c, std::string& out) {
        if (unicode::is_chinese_char(c)) {
          out.push_back(' ');
          utf8::append(out, c);
          out.push_back(' ');
        } else {
          utf8::append(out, c);
        }
      });
    }
    if (strip_accents_) text = strip_marks(unicode::normalize(text, unicode::NormalForm::NFD));
    if (lowercase_) text = unicode::to_lower(text);
    return text;
  }

 private:
  bool clean_text_, chinese_, strip_accents_, lowercase_;
};

class Replace final : public Normalizer {
 public:
  Replace(Regex pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  std::string normalize(std::string_view text) const override {
    return pattern_.replace_all(text, content_);
  }

 private:
  Regex pattern_;
  std::string content_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string normalize(std::string_view text) const override {
    return text.empty() ? std::string() : prefix_ + std::string(text);
  }

 private:
  std::string prefix_;
};

class Precompiled final : public Normalizer {
 public:
  explicit Precompiled(std::string_view blob) : charsmap_(blob) {}
  std::string normalize(std::string_view text) const override { return charsmap_.normalize(text); }

 private:
  PrecompiledCharsmap charsmap_;
};

// Nmt: drops control characters and maps odd spaces to ' ', as SentencePiece's nmt rules do.
class Nmt final : public Normalizer {
 public:
  std::string normalize(std::string_view text) const override {
    return map_chars(text, [](char32_t c, std::string& out) {
      if ((c >= 0x0001 && c <= 0x0008) || c == 0x000B || (c >= 0x000E && c <= 0x001F) ||
          c == 0x007F || c == 0x008F || c == 0x009F) {
        return;
      }
      const bool space = c == 0x0009 || c == 0x000A || c == 0x000C || c == 0x000D || c == 0x1680 ||
                         (c >= 0x200B && c <= 0x200F) || c == 0x2028 || c == 0x2029 ||
                         c == 0x2581 || c == 0xFEFF || c == 0xFFFD;
      utf8::append(out, space ? U' ' : c);
    });
  }
};

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  std::string normalize(std::string_view text) const override {
    std::string current(text);
    for (const auto& step : steps_) current = step->normalize(current);
    return current;
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& config) {
  if (config.is_null()) return nullptr;
  const std::string type = jf::type_of(config);
  if (type == "NFC") return std::make_unique<UnicodeForm>(unicode::NormalForm::NFC);
  if (type == "NFD") return std::make_unique<UnicodeForm>(unicode::NormalForm::NFD);
  if (type == "NFKC") return std::make_unique<UnicodeForm>(unicode::NormalForm::NFKC);
  if (type == "NFKD") return std::make_unique<UnicodeForm>(unicode::NormalForm::NFKD);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "Strip") {
    return std::make_unique<Strip>(jf::bool_or(config, "strip_left", true),
                                   jf::bool_or(config, "strip_right", true));
  }
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "BertNormalizer") {
    const bool lowercase = jf::bool_or(config, "lowercase", true);
    return std::make_unique<BertNormalizer>(
        jf::bool_or(config, "clean_text", true), jf::bool_or(config, "handle_chinese_chars", true),
        jf::bool_or(config, "strip_accents", lowercase), lowercase);
  }
  if (type == "Replace") {
    return std::make_unique<Replace>(jf::pattern(config), jf::string_field(config, "content"));
  }
  if (type == "Prepend") return std::make_unique<Prepend>(jf::string_field(config, "prepend"));
  if (type == "Precompiled") {
    const auto& charsmap = jf::require(config, "precompiled_charsmap");
    if (charsmap.is_null()) return nullptr;  // HF writes null for an identity normalizer
    if (!charsmap.is_string()) throw Error("precompiled_charsmap must be a base64 string");
    return std::make_unique<Precompiled>(base64_decode(charsmap.get<std::string>()));
  }
  if (type == "Nmt") return std::make_unique<Nmt>();
  if (type == "Sequence") {
    const auto& list = jf::require(config, "normalizers");
    if (!list.is_array()) throw Error("'normalizers' must be an array");
    std::vector<std::unique_ptr<Normalizer>> steps;
    for (const auto& item : list) {
      if (auto step = make_normalizer(item)) steps.push_back(std::move(step));
    }
    return std::make_unique<Sequence>(std::move(steps));
  }
  throw Error("unsupported normalizer type '" + type + "'");
}

}  // namespace reasonrec::engine
