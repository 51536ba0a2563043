#include "recsaver/sentences.hpp"

#include <algorithm>
#include <array>

namespace reasonrec::recsaver {

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alnum(char c) {
  return is_lower(c) || is_upper(c) || is_digit(c);
}

bool starts_with(std::string_view s, std::size_t at, std::string_view prefix) {
  return s.substr(at, prefix.size()) == prefix;
}

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …

// Bytes of the terminator character at `at` ('.', '!', '?', '…'), 0 when there is none.
std::size_t terminator_at(std::string_view s, std::size_t at) {
  const char c = s[at];
  if (c == '.' || c == '!' || c == '?') return 1;
  if (starts_with(s, at, kEllipsis)) return kEllipsis.size();
  return 0;
}

// Bytes of a closing quote, bracket or emphasis mark at `at`, 0 when there is none.
std::size_t closer_at(std::string_view s, std::size_t at) {
  const char c = s[at];
  if (c == '"' || c == '\'' || c == ')' || c == ']' || c == '}' || c == '*' || c == '_') return 1;
  for (std::string_view closer : {"\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB"}) {  // ” ’ »
    if (starts_with(s, at, closer)) return closer.size();
  }
  return 0;
}

// The length of a list marker at `at` with the space after it ("- ", "• ", "12. ", "3) ",
// "(a) ", "b) "), 0 when the line does not start with one.
std::size_t bullet_at(std::string_view s, std::size_t at) {
  auto spaced = [&](std::size_t marker_end) -> std::size_t {
    if (marker_end < s.size() && (s[marker_end] == ' ' || s[marker_end] == '\t')) {
      return marker_end + 1 - at;
    }
    return 0;
  };
  if (at >= s.size()) return 0;
  const char c = s[at];
  if (c == '-' || c == '*' || c == '+') return spaced(at + 1);
  // • ‣ ◦ ▪ – —
  for (std::string_view glyph : {"\xE2\x80\xA2", "\xE2\x80\xA3", "\xE2\x97\xA6", "\xE2\x96\xAA",
                                 "\xE2\x80\x93", "\xE2\x80\x94"}) {
    if (starts_with(s, at, glyph)) return spaced(at + glyph.size());
  }
  if (is_digit(c)) {
    std::size_t i = at;
    while (i < s.size() && i - at < 3 && is_digit(s[i])) ++i;
    if (i < s.size() && (s[i] == '.' || s[i] == ')')) return spaced(i + 1);
    return 0;
  }
  if (c == '(') {
    std::size_t i = at + 1;
    while (i < s.size() && i - at <= 3 && is_alnum(s[i])) ++i;
    if (i > at + 1 && i < s.size() && s[i] == ')') return spaced(i + 1);
    return 0;
  }
  if ((is_lower(c) || is_upper(c)) && at + 1 < s.size() && s[at + 1] == ')') return spaced(at + 2);
  return 0;
}

struct Line {
  std::size_t begin = 0;  // first non-blank byte
  std::size_t end = 0;    // past the last non-blank byte
  bool blank() const { return begin >= end; }
};

std::vector<Line> lines_of(std::string_view s) {
  std::vector<Line> lines;
  std::size_t start = 0;
  while (start <= s.size()) {
    std::size_t stop = s.find('\n', start);
    if (stop == std::string_view::npos) stop = s.size();
    Line line{start, stop};
    while (line.begin < line.end && is_space(s[line.begin])) ++line.begin;
    while (line.end > line.begin && is_space(s[line.end - 1])) --line.end;
    lines.push_back(line);
    if (stop == s.size()) break;
    start = stop + 1;
  }
  return lines;
}

// Whether `next` continues the paragraph of `line` (a paragraph wrapped by hand).
bool continues(std::string_view s, const Line& line, const Line& next) {
  if (line.blank() || next.blank()) return false;
  if (s[line.begin] == '#') return false;  // a heading is a line of its own
  const char last = s[line.end - 1];
  if (last == '.' || last == '!' || last == '?' || last == ':' || last == ';') return false;
  if (line.end - line.begin >= kEllipsis.size() &&
      s.substr(line.end - kEllipsis.size(), kEllipsis.size()) == kEllipsis) {
    return false;
  }
  if (bullet_at(s, next.begin) > 0) return false;
  return is_lower(s[next.begin]);
}

// Abbreviations after which a single '.' never ends a sentence, lowercased, without their last
// dot.
bool is_abbreviation(std::string_view word) {
  static constexpr std::array<std::string_view, 24> kWords = {
      "mr",  "mrs", "ms",  "dr",     "prof", "sr",  "jr", "st",  "mt", "vs", "v",  "e.g",
      "i.e", "cf",  "esp", "approx", "incl", "fig", "ca", "viz", "al", "eg", "ie", "resp"};
  return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

// The word before a '.' at `dot` (letters, digits, inner dots), lowercased.
std::string word_before(std::string_view s, std::size_t block_begin, std::size_t dot) {
  std::size_t i = dot;
  while (i > block_begin && (is_alnum(s[i - 1]) || s[i - 1] == '.')) --i;
  std::string w(s.substr(i, dot - i));
  for (char& c : w) {
    if (is_upper(c)) c = static_cast<char>(c - 'A' + 'a');
  }
  return w;
}

// Whether the terminator run [at, run_end) followed (after whitespace) by `next` ends a
// sentence.
bool ends_sentence(std::string_view s, std::size_t block_begin, std::size_t at, std::size_t run_end,
                   std::size_t next) {
  const char n = s[next];
  if (is_lower(n)) return false;  // "... and then", "e.g. the", "Wow! what"
  if (run_end == at + 1 && s[at] == '.') {
    const std::string word = word_before(s, block_begin, at);
    if (is_abbreviation(word)) return false;
    if ((word == "no" || word == "nos") && is_digit(n)) return false;  // "No. 5"
    // An initial before a name: "J. K. Rowling".
    if (word.size() == 1 && is_upper(s[at - 1]) && is_upper(n)) return false;
  }
  return true;
}

void add_sentence(std::string_view s, std::size_t begin, std::size_t end,
                  std::vector<Sentence>& out) {
  while (begin < end && is_space(s[begin])) ++begin;
  while (end > begin && is_space(s[end - 1])) --end;
  if (begin < end) out.push_back({begin, end, s.substr(begin, end - begin)});
}

// Splits one paragraph block [begin, end) (its lines joined by soft wraps).
void split_block(std::string_view s, std::size_t begin, std::size_t end,
                 std::vector<Sentence>& out) {
  std::size_t start = begin;
  std::size_t i = begin + bullet_at(s, begin);
  while (i < end) {
    std::size_t t = terminator_at(s, i);
    if (t == 0) {
      ++i;
      continue;
    }
    std::size_t run_end = i;
    while (run_end < end && (t = terminator_at(s, run_end)) > 0) run_end += t;
    std::size_t close_end = run_end;
    while (close_end < end && (t = closer_at(s, close_end)) > 0) close_end += t;
    if (close_end >= end) break;    // the block's end ends it anyway
    if (!is_space(s[close_end])) {  // "4.5", "amazon.com", "U.S.A."
      i = run_end;
      continue;
    }
    std::size_t next = close_end;
    while (next < end && is_space(s[next])) ++next;
    if (next >= end) break;
    if (ends_sentence(s, begin, i, run_end, next)) {
      add_sentence(s, start, close_end, out);
      start = next;
    }
    i = next;
  }
  add_sentence(s, start, end, out);
}

}  // namespace

std::vector<Sentence> split_sentences(std::string_view text) {
  std::vector<Sentence> out;
  const std::vector<Line> lines = lines_of(text);
  std::size_t k = 0;
  while (k < lines.size()) {
    if (lines[k].blank()) {
      ++k;
      continue;
    }
    std::size_t last = k;
    while (last + 1 < lines.size() && continues(text, lines[last], lines[last + 1])) ++last;
    split_block(text, lines[k].begin, lines[last].end, out);
    k = last + 1;
  }
  return out;
}

std::vector<std::string> sentence_texts(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& s : split_sentences(text)) out.emplace_back(s.text);
  return out;
}

}  // namespace reasonrec::recsaver
