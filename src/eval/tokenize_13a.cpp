#include "eval/tokenize_13a.hpp"

#include <vector>

#include "eval/python_text.hpp"

namespace reasonrec::eval {

namespace {

// Python's str.replace(old, new): one left-to-right pass of non-overlapping matches.
void replace_all(std::string& text, std::string_view from, std::string_view to) {
  std::size_t pos = text.find(from);
  if (pos == std::string::npos) return;
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  while (pos != std::string::npos) {
    out.append(text, start, pos - start);
    out.append(to);
    start = pos + from.size();
    pos = text.find(from, start);
  }
  out.append(text, start, std::string::npos);
  text.swap(out);
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_period_or_comma(char c) {
  return c == '.' || c == ',';
}

// The character class [\{-\~\[-\` -\&\(-\+\:-\@\/] of the first 13a rule.
bool is_split_symbol(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (b >= 0x7B && b <= 0x7E) || (b >= 0x5B && b <= 0x60) || (b >= 0x20 && b <= 0x26) ||
         (b >= 0x28 && b <= 0x2B) || (b >= 0x3A && b <= 0x40) || b == '/';
}

// Each rule below is one re.sub over the whole string, reproduced as a left-to-right scan of
// non-overlapping matches. Working on UTF-8 bytes gives the same result as Python's code
// points: the rules only test ASCII characters, and a "not a digit" position that falls on
// a multi-byte character only ever has a space inserted before or after the whole character.

// Writes through a raw pointer into `out`, sized for the worst case and trimmed at the end
// (these passes run on every segment; push_back per byte is several times slower).
class Writer {
 public:
  Writer(std::string& out, std::size_t worst_case) : out_(out) {
    out_.resize(worst_case);
    p_ = out_.data();
  }
  void put(char c) { *p_++ = c; }
  void finish() { out_.resize(static_cast<std::size_t>(p_ - out_.data())); }

 private:
  std::string& out_;
  char* p_;
};

// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
void pad_symbols(std::string_view s, std::string& out) {
  Writer w(out, 3 * s.size());
  for (char c : s) {
    if (is_split_symbol(c)) {
      w.put(' ');
      w.put(c);
      w.put(' ');
    } else {
      w.put(c);
    }
  }
  w.finish();
}

// ([^0-9])([\.,]) -> "\1 \2 "
void split_period_comma_after_non_digit(std::string_view s, std::string& out) {
  Writer w(out, 2 * s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && !is_digit(s[i]) && is_period_or_comma(s[i + 1])) {
      w.put(s[i]);
      w.put(' ');
      w.put(s[i + 1]);
      w.put(' ');
      i += 2;
    } else {
      w.put(s[i++]);
    }
  }
  w.finish();
}

// ([\.,])([^0-9]) -> " \1 \2"
void split_period_comma_before_non_digit(std::string_view s, std::string& out) {
  Writer w(out, 2 * s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && is_period_or_comma(s[i]) && !is_digit(s[i + 1])) {
      w.put(' ');
      w.put(s[i]);
      w.put(' ');
      w.put(s[i + 1]);
      i += 2;
    } else {
      w.put(s[i++]);
    }
  }
  w.finish();
}

// ([0-9])(-) -> "\1 \2 "
void split_dash_after_digit(std::string_view s, std::string& out) {
  Writer w(out, 2 * s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && is_digit(s[i]) && s[i + 1] == '-') {
      w.put(s[i]);
      w.put(' ');
      w.put('-');
      w.put(' ');
      i += 2;
    } else {
      w.put(s[i++]);
    }
  }
  w.finish();
}

}  // namespace

std::string tokenize_13a(std::string_view line) {
  std::string text(line);
  // Each replacement is its own pass, in sacreBLEU's order: "&amp;quot;" becomes "&quot;".
  if (text.find('<') != std::string::npos) replace_all(text, "<skipped>", "");
  if (text.find('\n') != std::string::npos) {
    replace_all(text, "-\n", "");
    replace_all(text, "\n", " ");
  }
  if (text.find('&') != std::string::npos) {
    replace_all(text, "&quot;", "\"");
    replace_all(text, "&amp;", "&");
    replace_all(text, "&lt;", "<");
    replace_all(text, "&gt;", ">");
  }
  std::string padded;
  padded.reserve(text.size() + 2);
  padded.push_back(' ');
  padded += text;
  padded.push_back(' ');

  // Two buffers, ping-pong.
  std::string a;
  std::string b;
  pad_symbols(padded, a);
  split_period_comma_after_non_digit(a, b);
  split_period_comma_before_non_digit(b, a);
  split_dash_after_digit(a, b);

  std::string out;
  out.reserve(b.size());
  std::vector<std::string_view> tokens;
  pytext::split_into(b, tokens);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i != 0) out.push_back(' ');
    out.append(tokens[i]);
  }
  return out;
}

}  // namespace reasonrec::eval
