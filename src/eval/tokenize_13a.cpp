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

// ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
std::string pad_symbols(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 2 + 8);
  for (char c : s) {
    if (is_split_symbol(c)) {
      out.push_back(' ');
      out.push_back(c);
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// ([^0-9])([\.,]) -> "\1 \2 "
std::string split_period_comma_after_non_digit(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && !is_digit(s[i]) && is_period_or_comma(s[i + 1])) {
      out.push_back(s[i]);
      out.push_back(' ');
      out.push_back(s[i + 1]);
      out.push_back(' ');
      i += 2;
    } else {
      out.push_back(s[i]);
      ++i;
    }
  }
  return out;
}

// ([\.,])([^0-9]) -> " \1 \2"
std::string split_period_comma_before_non_digit(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && is_period_or_comma(s[i]) && !is_digit(s[i + 1])) {
      out.push_back(' ');
      out.push_back(s[i]);
      out.push_back(' ');
      out.push_back(s[i + 1]);
      i += 2;
    } else {
      out.push_back(s[i]);
      ++i;
    }
  }
  return out;
}

// ([0-9])(-) -> "\1 \2 "
std::string split_dash_after_digit(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 16);
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 1 < s.size() && is_digit(s[i]) && s[i + 1] == '-') {
      out.push_back(s[i]);
      out += " - ";
      i += 2;
    } else {
      out.push_back(s[i]);
      ++i;
    }
  }
  return out;
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

  std::string s = pad_symbols(padded);
  s = split_period_comma_after_non_digit(s);
  s = split_period_comma_before_non_digit(s);
  s = split_dash_after_digit(s);

  std::string out;
  out.reserve(s.size());
  std::vector<std::string_view> tokens;
  pytext::split_into(s, tokens);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i != 0) out.push_back(' ');
    out.append(tokens[i]);
  }
  return out;
}

}  // namespace reasonrec::eval
