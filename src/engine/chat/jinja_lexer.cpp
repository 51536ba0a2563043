#include "engine/chat/jinja_lexer.hpp"

#include <cctype>

#include "engine/chat/python_str.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine::jinja {
namespace {

// Jinja normalizes every newline sequence to "\n" and drops one trailing newline
// (keep_trailing_newline=False).
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

bool all_python_space(std::string_view s) {
  if (s.empty()) return false;
  for (const auto& cp : code_points(s)) {
    if (!is_python_space(cp.value)) return false;
  }
  return true;
}

// Length in bytes of the run of (Unicode) whitespace starting at pos.
std::size_t space_run(const std::string& s, std::size_t pos) {
  const std::string_view rest = std::string_view(s).substr(pos);
  return rest.size() - lstrip(rest).size();
}

std::size_t count_newlines(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

class Lexer {
 public:
  Lexer(std::string source, const std::string& name, LexOptions options)
      : src_(std::move(source)), name_(name), options_(options) {}

  std::vector<Segment> run() {
    bool line_starting = true;
    while (pos_ < src_.size()) {
      const std::size_t tag = find_tag(pos_);
      if (tag == std::string::npos) {
        push_text(src_.substr(pos_));
        break;
      }
      std::string text = src_.substr(pos_, tag - pos_);
      line_ += count_newlines(text);
      const char kind = src_[tag + 1];
      std::size_t body = tag + 2;
      char sign = 0;
      if (body < src_.size() && (src_[body] == '-' || src_[body] == '+')) sign = src_[body++];
      if (sign == '-') {
        text = std::string(rstrip(text));
      } else if (sign != '+' && kind != '{' && options_.lstrip_blocks) {
        const std::size_t newline = text.rfind('\n');
        const std::size_t line_start = newline == std::string::npos ? 0 : newline + 1;
        if ((line_start > 0 || line_starting) &&
            all_python_space(std::string_view(text).substr(line_start))) {
          text.resize(line_start);
        }
      }
      push_text(std::move(text));
      pos_ = body;
      const std::size_t consumed_from = pos_;
      if (kind == '#') {
        lex_comment(tag);
      } else {
        lex_tag(kind == '{' ? Segment::Kind::Output : Segment::Kind::Statement);
      }
      line_starting = pos_ > consumed_from && src_[pos_ - 1] == '\n';
    }
    return std::move(segments_);
  }

 private:
  std::size_t find_tag(std::size_t from) const {
    for (std::size_t i = from; i + 1 < src_.size(); ++i) {
      if (src_[i] == '{' && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return std::string::npos;
  }

  void push_text(std::string text) {
    if (text.empty()) return;
    Segment s;
    s.kind = Segment::Kind::Text;
    s.line = line_ - count_newlines(text);
    s.text = std::move(text);
    segments_.push_back(std::move(s));
  }

  [[noreturn]] void fail(const std::string& reason) const {
    throw InputError(name_, line_, reason);
  }

  void lex_comment(std::size_t tag) {
    const std::size_t end = src_.find("#}", pos_);
    if (end == std::string::npos) {
      line_ = 1 + count_newlines(std::string_view(src_).substr(0, tag));
      fail("missing end of comment tag");
    }
    const bool strip_after = end > pos_ && src_[end - 1] == '-';
    const bool keep = end > pos_ && src_[end - 1] == '+';
    line_ += count_newlines(std::string_view(src_).substr(pos_, end - pos_));
    pos_ = end + 2;
    finish_tag(strip_after, keep);
  }

  // After a closing delimiter: "-" strips all following whitespace, trim_blocks drops one
  // newline after block tags and comments.
  void finish_tag(bool strip_after, bool keep, bool is_block = true) {
    if (strip_after) {
      const std::size_t n = space_run(src_, pos_);
      line_ += count_newlines(std::string_view(src_).substr(pos_, n));
      pos_ += n;
    } else if (!keep && is_block && options_.trim_blocks && pos_ < src_.size() &&
               src_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
  }

  // Returns true (and consumes it) when the closing delimiter of the current tag starts at pos_.
  bool at_tag_end(Segment::Kind kind) {
    const char close = kind == Segment::Kind::Output ? '}' : '%';
    std::size_t p = pos_;
    bool strip_after = false;
    bool keep = false;
    if (p < src_.size() && src_[p] == '-') {
      strip_after = true;
      ++p;
    } else if (p < src_.size() && src_[p] == '+' && kind == Segment::Kind::Statement) {
      keep = true;
      ++p;
    }
    if (p + 1 >= src_.size() || src_[p] != close || src_[p + 1] != '}') return false;
    pos_ = p + 2;
    finish_tag(strip_after, keep, kind == Segment::Kind::Statement);
    return true;
  }

  void lex_tag(Segment::Kind kind) {
    Segment segment;
    segment.kind = kind;
    segment.line = line_;
    std::vector<char> brackets;
    while (true) {
      while (pos_ < src_.size() && std::isspace(static_cast<unsigned char>(src_[pos_]))) {
        if (src_[pos_] == '\n') ++line_;
        ++pos_;
      }
      if (pos_ >= src_.size()) {
        line_ = segment.line;
        fail(kind == Segment::Kind::Output ? "unexpected end of template: missing '}}'"
                                           : "unexpected end of template: missing '%}'");
      }
      if (brackets.empty()) {
        const std::size_t tag_end_line = line_;
        if (at_tag_end(kind)) {
          Token end;
          end.kind = Token::Kind::End;
          end.line = tag_end_line;
          segment.tokens.push_back(end);
          segments_.push_back(std::move(segment));
          return;
        }
      }
      Token token = next_token();
      if (token.kind == Token::Kind::Operator) {
        const char c = token.text[0];
        if (c == '(' || c == '[' || c == '{') {
          brackets.push_back(c == '(' ? ')' : c == '[' ? ']' : '}');
        } else if (c == ')' || c == ']' || c == '}') {
          if (brackets.empty() || brackets.back() != c) {
            fail("unexpected '" + token.text + "'");
          }
          brackets.pop_back();
        }
      }
      segment.tokens.push_back(std::move(token));
    }
  }

  Token next_token() {
    Token t;
    t.line = line_;
    const char c = src_[pos_];
    if (c == '\'' || c == '"') {
      t.kind = Token::Kind::String;
      t.text = lex_string(c);
      return t;
    }
    if (is_digit(c)) return lex_number();
    if (is_name_start(c)) {
      const std::size_t start = pos_;
      while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
      t.kind = Token::Kind::Name;
      t.text = src_.substr(start, pos_ - start);
      return t;
    }
    static const char* const two_char[] = {"//", "**", "==", "!=", "<=", ">="};
    for (const char* op : two_char) {
      if (src_.compare(pos_, 2, op) == 0) {
        t.kind = Token::Kind::Operator;
        t.text = op;
        pos_ += 2;
        return t;
      }
    }
    if (std::string_view("+-*/%~<>()[]{},.:|=;").find(c) != std::string_view::npos) {
      t.kind = Token::Kind::Operator;
      t.text = std::string(1, c);
      ++pos_;
      return t;
    }
    fail(std::string("unexpected character '") + c + "' in tag");
  }

  Token lex_number() {
    Token t;
    t.line = line_;
    const std::size_t start = pos_;
    auto digits = [&] {
      while (pos_ < src_.size() && (is_digit(src_[pos_]) || src_[pos_] == '_')) ++pos_;
    };
    digits();
    bool is_float = false;
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && is_digit(src_[pos_ + 1])) {
      is_float = true;
      ++pos_;
      digits();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      std::size_t p = pos_ + 1;
      if (p < src_.size() && (src_[p] == '+' || src_[p] == '-')) ++p;
      if (p < src_.size() && is_digit(src_[p])) {
        is_float = true;
        pos_ = p;
        digits();
      }
    }
    std::string text;
    for (char ch : src_.substr(start, pos_ - start)) {
      if (ch != '_') text += ch;
    }
    try {
      if (is_float) {
        t.kind = Token::Kind::Float;
        t.floating = std::stod(text);
      } else {
        t.kind = Token::Kind::Integer;
        t.integer = std::stoll(text);
      }
    } catch (const std::exception&) {
      fail("number out of range: " + text);
    }
    t.text = text;
    return t;
  }

  std::string lex_string(char quote) {
    const std::size_t start_line = line_;
    ++pos_;
    std::string out;
    while (true) {
      if (pos_ >= src_.size()) {
        line_ = start_line;
        fail("unterminated string literal");
      }
      const char c = src_[pos_++];
      if (c == quote) return out;
      if (c == '\n') ++line_;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= src_.size()) continue;
      const char e = src_[pos_++];
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'a':
          out += '\a';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'v':
          out += '\v';
          break;
        case '\\':
          out += '\\';
          break;
        case '\'':
          out += '\'';
          break;
        case '"':
          out += '"';
          break;
        case '\n':
          ++line_;
          break;  // backslash-newline continues the line
        case 'x':
          out_hex(out, 2, e);
          break;
        case 'u':
          out_hex(out, 4, e);
          break;
        case 'U':
          out_hex(out, 8, e);
          break;
        default:
          if (e >= '0' && e <= '7') {
            unsigned value = static_cast<unsigned>(e - '0');
            for (int k = 0; k < 2 && pos_ < src_.size() && src_[pos_] >= '0' && src_[pos_] <= '7';
                 ++k) {
              value = value * 8 + static_cast<unsigned>(src_[pos_++] - '0');
            }
            utf8::append(out, value);
          } else {
            out += '\\';  // Python keeps unknown escapes as written
            out += e;
          }
      }
    }
  }

  void out_hex(std::string& out, int digits, char letter) {
    char32_t value = 0;
    for (int k = 0; k < digits; ++k) {
      if (pos_ >= src_.size() || !std::isxdigit(static_cast<unsigned char>(src_[pos_]))) {
        fail(std::string("truncated \\") + letter + " escape in string literal");
      }
      const char h = src_[pos_++];
      value =
          value * 16 + static_cast<char32_t>(is_digit(h) ? h - '0' : (std::tolower(h) - 'a' + 10));
    }
    if (value > 0x10FFFF) fail("illegal Unicode character in string literal");
    utf8::append(out, value);
  }

  std::string src_;
  const std::string& name_;
  LexOptions options_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
  std::vector<Segment> segments_;
};

}  // namespace

std::vector<Segment> lex(std::string_view source, const std::string& source_name,
                         LexOptions options) {
  return Lexer(normalize_newlines(source), source_name, options).run();
}

}  // namespace reasonrec::engine::jinja
