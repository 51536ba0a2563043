#include "data/python_literal.hpp"

#include <cmath>
#include <cstdlib>

#include "util/utf8.hpp"

namespace reasonrec::data {

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  nlohmann::json parse_document() {
    nlohmann::json value = parse_value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the value");
    return value;
  }

 private:
  static constexpr int kMaxDepth = 256;

  [[noreturn]] void fail(const std::string& what) const { throw PythonLiteralError(pos_, what); }

  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool starts_with(std::string_view word) const { return s_.substr(pos_, word.size()) == word; }

  nlohmann::json parse_value(int depth) {
    if (depth > kMaxDepth) fail("nesting too deep");
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    const char c = s_[pos_];
    if (c == '{') return parse_dict(depth);
    if (c == '[') return parse_sequence(depth, ']');
    if (c == '(') return parse_sequence(depth, ')');
    if (c == '\'' || c == '"') return parse_string(false, false);
    if (c == 'u' || c == 'U' || c == 'b' || c == 'B' || c == 'r' || c == 'R') {
      bool unicode = false, raw = false;
      std::size_t p = pos_;
      while (p < s_.size() && p < pos_ + 2 &&
             std::string_view("uUbBrR").find(s_[p]) != std::string_view::npos) {
        if (s_[p] == 'u' || s_[p] == 'U') unicode = true;
        if (s_[p] == 'r' || s_[p] == 'R') raw = true;
        ++p;
      }
      if (p < s_.size() && (s_[p] == '\'' || s_[p] == '"')) {
        pos_ = p;
        return parse_string(unicode, raw);
      }
    }
    if (starts_with("True")) {
      pos_ += 4;
      return true;
    }
    if (starts_with("False")) {
      pos_ += 5;
      return false;
    }
    if (starts_with("None")) {
      pos_ += 4;
      return nullptr;
    }
    if (c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || starts_with("inf") ||
        starts_with("nan")) {
      return parse_number();
    }
    fail(std::string("unexpected character '") + c + "'");
  }

  nlohmann::json parse_dict(int depth) {
    ++pos_;  // {
    nlohmann::json obj = nlohmann::json::object();
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return obj;
    }
    for (;;) {
      const std::size_t key_pos = pos_;
      nlohmann::json key = parse_value(depth + 1);
      std::string key_text;
      if (key.is_string()) {
        key_text = key.get<std::string>();
      } else if (key.is_number() || key.is_boolean() || key.is_null()) {
        key_text = key.dump();
      } else {
        pos_ = key_pos;
        fail("dict key must be a string or a number");
      }
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':' after a dict key");
      ++pos_;
      obj[key_text] = parse_value(depth + 1);
      skip_space();
      if (pos_ >= s_.size()) fail("unexpected end of input inside a dict");
      if (s_[pos_] == ',') {
        ++pos_;
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          return obj;
        }
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return obj;
      }
      fail("expected ',' or '}' in a dict");
    }
  }

  nlohmann::json parse_sequence(int depth, char close) {
    ++pos_;
    nlohmann::json arr = nlohmann::json::array();
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == close) {
      ++pos_;
      return arr;
    }
    for (;;) {
      arr.push_back(parse_value(depth + 1));
      skip_space();
      if (pos_ >= s_.size()) fail("unexpected end of input inside a list");
      if (s_[pos_] == ',') {
        ++pos_;
        skip_space();
        if (pos_ < s_.size() && s_[pos_] == close) {
          ++pos_;
          return arr;
        }
        continue;
      }
      if (s_[pos_] == close) {
        ++pos_;
        return arr;
      }
      fail(std::string("expected ',' or '") + close + "'");
    }
  }

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::uint32_t read_hex(int digits) {
    std::uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      if (pos_ >= s_.size()) fail("truncated escape sequence");
      const int h = hex_value(s_[pos_]);
      if (h < 0) fail("bad hex digit in escape sequence");
      value = value * 16 + static_cast<std::uint32_t>(h);
      ++pos_;
    }
    return value;
  }

  // Strings are accumulated as code units: bytes from the source text, raw \x bytes, and code
  // points. Raw bytes are resolved at the end (UTF-8 if valid, else Latin-1).
  nlohmann::json parse_string(bool unicode, bool raw) {
    const char quote = s_[pos_];
    const bool triple = s_.substr(pos_, 3) == std::string_view(std::string(3, quote));
    pos_ += triple ? 3 : 1;
    std::string out;
    bool has_raw_bytes = false;
    std::string latin_fallback;  // the same string, with raw bytes as Latin-1 code points
    for (;;) {
      if (pos_ >= s_.size()) fail("unterminated string");
      const char c = s_[pos_];
      if (c == quote) {
        if (!triple) {
          ++pos_;
          break;
        }
        if (s_.substr(pos_, 3) == std::string_view(std::string(3, quote))) {
          pos_ += 3;
          break;
        }
      }
      if (!triple && (c == '\n' || c == '\r')) fail("newline inside a string");
      if (c != '\\' || raw) {
        out.push_back(c);
        latin_fallback.push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (pos_ >= s_.size()) fail("unterminated string");
      const char e = s_[pos_++];
      std::uint32_t cp = 0;
      switch (e) {
        case '\\':
        case '\'':
        case '"':
          out.push_back(e);
          latin_fallback.push_back(e);
          continue;
        case '\n':
          continue;  // line continuation
        case 'n':
          cp = '\n';
          break;
        case 't':
          cp = '\t';
          break;
        case 'r':
          cp = '\r';
          break;
        case 'a':
          cp = 7;
          break;
        case 'b':
          cp = 8;
          break;
        case 'f':
          cp = 12;
          break;
        case 'v':
          cp = 11;
          break;
        case 'x': {
          cp = read_hex(2);
          if (!unicode && cp >= 0x80) {
            out.push_back(static_cast<char>(cp));
            utf8::append(latin_fallback, cp);
            has_raw_bytes = true;
            continue;
          }
          break;
        }
        case 'u':
          cp = read_hex(4);
          break;
        case 'U':
          cp = read_hex(8);
          break;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
          cp = static_cast<std::uint32_t>(e - '0');
          for (int i = 0; i < 2 && pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '7'; ++i) {
            cp = cp * 8 + static_cast<std::uint32_t>(s_[pos_++] - '0');
          }
          if (!unicode && cp >= 0x80) {
            out.push_back(static_cast<char>(cp & 0xff));
            utf8::append(latin_fallback, cp & 0xff);
            has_raw_bytes = true;
            continue;
          }
          break;
        }
        default:
          // Python keeps unknown escapes verbatim.
          out.push_back('\\');
          out.push_back(e);
          latin_fallback.push_back('\\');
          latin_fallback.push_back(e);
          continue;
      }
      if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
      utf8::append(out, cp);
      utf8::append(latin_fallback, cp);
    }
    if (has_raw_bytes && !utf8::is_valid(out)) out = std::move(latin_fallback);
    if (!utf8::is_valid(out)) fail("string is not valid UTF-8");
    return out;
  }

  nlohmann::json parse_number() {
    const std::size_t start = pos_;
    if (s_[pos_] == '+' || s_[pos_] == '-') ++pos_;
    if (starts_with("inf")) {
      pos_ += 3;
      return nullptr;  // not representable in JSON; treated as missing
    }
    if (starts_with("nan")) {
      pos_ += 3;
      return nullptr;
    }
    bool is_float = false;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if ((c >= '0' && c <= '9') || c == '_') {
        ++pos_;
      } else if (c == '.' || c == 'e' || c == 'E') {
        is_float = true;
        ++pos_;
        if ((c == 'e' || c == 'E') && pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) {
          ++pos_;
        }
      } else if (c == 'L' || c == 'l') {  // Python 2 long suffix
        ++pos_;
        break;
      } else {
        break;
      }
    }
    std::string digits;
    for (std::size_t i = start; i < pos_; ++i) {
      if (s_[i] != '_' && s_[i] != 'L' && s_[i] != 'l') digits.push_back(s_[i]);
    }
    if (digits.empty() || digits == "-" || digits == "+") fail("malformed number");
    char* end = nullptr;
    if (!is_float) {
      errno = 0;
      const long long v = std::strtoll(digits.c_str(), &end, 10);
      if (*end == '\0' && errno == 0) return v;
    }
    const double d = std::strtod(digits.c_str(), &end);
    if (*end != '\0') {
      pos_ = start;
      fail("malformed number");
    }
    return d;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

nlohmann::json parse_python_literal(std::string_view text) {
  return Parser(text).parse_document();
}

}  // namespace reasonrec::data
