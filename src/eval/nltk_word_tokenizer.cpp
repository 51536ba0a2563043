#include "eval/nltk_word_tokenizer.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <type_traits>

#include "eval/python_re.hpp"
#include "eval/python_text.hpp"

namespace reasonrec::eval {
namespace {

// The text being tokenized: bytes when it is pure ASCII, code points otherwise.
template <typename Ch>
using Str = std::basic_string<Ch>;

template <typename Ch>
char32_t cp(Ch c) {
  return static_cast<char32_t>(static_cast<std::make_unsigned_t<Ch>>(c));
}

template <typename Ch>
void put(Str<Ch>& out, std::string_view ascii) {
  for (const char c : ascii) out.push_back(Ch(c));
}

template <typename Ch>
Str<Ch> widen(std::string_view ascii) {
  Str<Ch> out;
  put(out, ascii);
  return out;
}

bool is_space(char32_t c) {
  if (c < 128) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return pytext::is_space(c);
}

bool is_word(char32_t c) {
  if (c < 128) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  return pyre::is_word(c);
}

bool is_decimal(char32_t c) {
  if (c < 128) return c >= '0' && c <= '9';
  return pyre::is_decimal(c);
}

// Which ASCII texts a pass can change at all: those containing one of `chars` or the
// sequence `sequence` (either may be empty). Pure-ASCII text (most reviews) skips a pass with
// a memchr instead of a scan; code point text always runs it.
struct Trigger {
  std::string_view chars;
  std::string_view sequence = {};
  bool always = false;
  // When set, a match at i needs t[i + offset] to be one of `anchors` (ASCII), so the byte
  // path jumps from one anchor to the next with memchr instead of trying every position.
  std::string_view anchors = {};
  std::size_t offset = 0;
};

// The next position p >= from where a match can start: t[p + offset] is an anchor, or
// s.size(). `next` caches, per anchor, the last found occurrence (amortized O(n) per pass).
class AnchorScan {
 public:
  AnchorScan(const std::string& s, const Trigger& trigger) : s_(s), trigger_(trigger) {
    if (trigger.anchors.size() > next_.size()) throw std::logic_error("too many anchors");
    for (std::size_t k = 0; k < trigger.anchors.size(); ++k) {
      next_[k] = s.find(trigger.anchors[k], trigger.offset);
    }
  }
  std::size_t next(std::size_t from) {
    std::size_t best = std::string::npos;
    const std::size_t at = from + trigger_.offset;
    for (std::size_t k = 0; k < trigger_.anchors.size(); ++k) {
      if (next_[k] != std::string::npos && next_[k] < at)
        next_[k] = s_.find(trigger_.anchors[k], at);
      if (next_[k] < best) best = next_[k];
    }
    return best == std::string::npos ? s_.size() : best - trigger_.offset;
  }

 private:
  const std::string& s_;
  const Trigger& trigger_;
  std::array<std::size_t, 8> next_{};
};

template <typename Ch>
bool triggered(const Str<Ch>& s, const Trigger& trigger) {
  if constexpr (std::is_same_v<Ch, char>) {
    if (trigger.always) return true;
    for (const char c : trigger.chars) {
      if (s.find(c) != Str<Ch>::npos) return true;
    }
    return !trigger.sequence.empty() && s.find(trigger.sequence) != Str<Ch>::npos;
  } else {
    return true;
  }
}

// substitute() on bytes, trying the rule only where an anchor allows a match; positions in
// between cannot match, so skipping them changes nothing.
template <typename Rule>
std::string substitute_anchored(std::string s, const Trigger& trigger, Rule& rule) {
  AnchorScan scan(s, trigger);
  std::string out;
  bool matched = false;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t candidate = scan.next(i);
    if (matched) out.append(s, i, std::min(candidate, s.size()) - i);
    i = candidate;
    if (i >= s.size()) break;
    const std::size_t mark = out.size();
    const std::size_t consumed = rule(s, i, out);
    if (consumed == 0) {
      if (matched) out.push_back(s[i]);
      ++i;
      continue;
    }
    if (!matched) {
      std::string replacement = out.substr(mark);
      out.assign(s, 0, i);
      out += replacement;
      matched = true;
    }
    i += consumed;
  }
  return matched ? out : s;
}

template <typename Ch, typename Rule>
Str<Ch> substitute(Str<Ch> s, const Trigger& trigger, Rule&& rule) {
  if (!triggered(s, trigger)) return s;
  if constexpr (std::is_same_v<Ch, char>) {
    if (!trigger.anchors.empty()) return substitute_anchored(std::move(s), trigger, rule);
  }
  Str<Ch> out;
  bool matched = false;  // copy only once something matched: most passes change nothing
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t mark = out.size();
    const std::size_t consumed = rule(s, i, out);
    if (consumed == 0) {
      if (matched) out.push_back(s[i]);
      ++i;
      continue;
    }
    if (!matched) {
      // The rule appended its replacement to an empty `out`; put the untouched prefix first.
      Str<Ch> replacement = out.substr(mark);
      out.assign(s, 0, i);
      out += replacement;
      matched = true;
    }
    i += consumed;
  }
  return matched ? out : s;
}

// A small set of code points, tested with a bitmap for ASCII (the hot path of every pass).
class CharSet {
 public:
  constexpr explicit CharSet(std::u32string_view members) : others_(members) {
    for (const char32_t c : members) {
      if (c < 128) ascii_[c / 64] |= std::uint64_t{1} << (c % 64);
    }
  }
  bool contains(char32_t c) const {
    if (c < 128) return ((ascii_[c / 64] >> (c % 64)) & 1U) != 0;
    return others_.find(c) != std::u32string_view::npos;
  }

 private:
  std::uint64_t ascii_[2] = {0, 0};
  std::u32string_view others_;
};

constexpr CharSet kOpeningQuotes(U"\u00AB\u201C\u2018\u201E");
constexpr CharSet kClosingQuotes(U"\u00BB\u201D\u2019");
constexpr CharSet kBeforeQuote(U" ([{<");
constexpr CharSet kClitic(U"sSmMdD");
constexpr CharSet kClosersWide(U"])}>\"'\u00BB\u201D\u2019 ");
constexpr CharSet kClosers(U"])}>\"'");
constexpr CharSet kSymbols(U";@#$%&");
constexpr CharSet kQuestion(U"?!");
constexpr CharSet kStar(U"*");
constexpr CharSet kBrackets(U"][(){}<>");

template <typename Ch>
char32_t at(const Str<Ch>& s, std::size_t i) {
  return i < s.size() ? cp(s[i]) : 0;
}

template <typename Ch>
bool word_at(const Str<Ch>& s, std::size_t i) {
  return i < s.size() && is_word(cp(s[i]));
}

// \b at position i.
template <typename Ch>
bool boundary(const Str<Ch>& s, std::size_t i) {
  const bool before = i > 0 && is_word(cp(s[i - 1]));
  return before != word_at(s, i);
}

// One code point against an ASCII letter under re.IGNORECASE (Python also folds U+0130 and
// U+0131 onto 'i', U+212A onto 'k', U+017F onto 's').
bool ieq(char32_t c, char letter) {
  const auto l = static_cast<char32_t>(letter);
  if (c == l) return true;
  if (letter >= 'a' && letter <= 'z' && c == l - 32) return true;
  if (letter == 'i') return c == 0x130 || c == 0x131;
  if (letter == 'k') return c == 0x212A;
  if (letter == 's') return c == 0x17F;
  return false;
}

template <typename Ch>
bool imatch(const Str<Ch>& s, std::size_t i, std::string_view word) {
  if (i + word.size() > s.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    const char w = word[k];
    if (w >= 'a' && w <= 'z') {
      if (!ieq(cp(s[i + k]), w)) return false;
    } else if (cp(s[i + k]) != static_cast<char32_t>(w)) {
      return false;
    }
  }
  return true;
}

// Pads every code point in `set` with spaces: r" \g<0> ".
template <typename Ch>
Str<Ch> pad_each(Str<Ch> s, const CharSet& set, const Trigger& trigger) {
  Trigger anchored = trigger;
  anchored.anchors = trigger.chars;  // the ASCII members of the set
  return substitute<Ch>(std::move(s), anchored,
                        [&set](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                          if (!set.contains(cp(t[i]))) return 0;
                          out.push_back(Ch(' '));
                          out.push_back(t[i]);
                          out.push_back(Ch(' '));
                          return 1;
                        });
}

// The two "final period" rules: ([^\.])(\.)([CLOSERS]*)\s*$ -> "\1 \2<sep>\3 ". Everything
// after the period must be closers then whitespace, so at most one period qualifies: the
// one just before the trailing run of closers and whitespace.
template <typename Ch>
Str<Ch> final_period(Str<Ch> s, const CharSet& closers, bool space_after_period) {
  std::size_t t = s.size();
  while (t > 0 && (closers.contains(cp(s[t - 1])) || is_space(cp(s[t - 1])))) --t;
  if (t < 2 || s[t - 1] != Ch('.') || s[t - 2] == Ch('.')) return s;
  const std::size_t period = t - 1;
  std::size_t q = period + 1;
  while (q < s.size() && closers.contains(cp(s[q]))) ++q;
  for (std::size_t k = q; k < s.size(); ++k) {
    if (!is_space(cp(s[k]))) return s;
  }
  Str<Ch> out = s.substr(0, period);
  out += Ch(' ');
  out += Ch('.');
  if (space_after_period) out += Ch(' ');
  out.append(s, period + 1, q - period - 1);
  out += Ch(' ');
  return out;
}

template <typename Ch>
Str<Ch> starting_quotes(Str<Ch> s) {
  // ([«“‘„]|[`]+) -> " \1 "
  s = substitute<Ch>(std::move(s), Trigger{"`", {}, false, "`"},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (kOpeningQuotes.contains(cp(t[i]))) {
                         out.push_back(Ch(' '));
                         out.push_back(t[i]);
                         out.push_back(Ch(' '));
                         return 1;
                       }
                       if (cp(t[i]) != U'`') return 0;
                       std::size_t j = i;
                       while (j < t.size() && cp(t[j]) == U'`') ++j;
                       out.push_back(Ch(' '));
                       out.append(t, i, j - i);
                       out.push_back(Ch(' '));
                       return j - i;
                     });
  // ^\" -> ``
  if (!s.empty() && cp(s[0]) == U'"') s = widen<Ch>("``") + s.substr(1);
  // (``) -> " \1 "
  s = substitute<Ch>(std::move(s), Trigger{"", "``", false, "`"},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (cp(t[i]) != U'`' || at(t, i + 1) != U'`') return 0;
                       put(out, " `` ");
                       return 2;
                     });
  // ([ \(\[{<])(\"|\'{2}) -> "\1 `` "
  s = substitute<Ch>(std::move(s), Trigger{"\"", "''", false, "\"'", 1},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (!kBeforeQuote.contains(cp(t[i]))) return 0;
                       std::size_t quote = 0;
                       if (at(t, i + 1) == U'"') {
                         quote = 1;
                       } else if (at(t, i + 1) == U'\'' && at(t, i + 2) == U'\'') {
                         quote = 2;
                       } else {
                         return 0;
                       }
                       out.push_back(t[i]);
                       put(out, " `` ");
                       return 1 + quote;
                     });
  // (?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b -> "\1 \2". The two-letter alternatives of the
  // lookahead would need a word character where \b demands a non-word one, so only the
  // single letters can veto.
  s = substitute<Ch>(std::move(s), Trigger{"'", {}, false, "'"},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (cp(t[i]) != U'\'' || !word_at(t, i + 1) || word_at(t, i + 2)) return 0;
                       const Ch c = t[i + 1];
                       for (const char letter : {'m', 't', 's', 'd', 'n'}) {
                         if (ieq(cp(c), letter)) return 0;
                       }
                       put(out, "' ");
                       out.push_back(c);
                       return 2;
                     });
  return s;
}

template <typename Ch>
Str<Ch> punctuation(Str<Ch> s) {
  s = final_period<Ch>(std::move(s), kClosersWide, true);
  // ([:,])([^\d]) -> " \1 \2"
  s = substitute<Ch>(std::move(s), Trigger{":,", {}, false, ":,"},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if ((cp(t[i]) != U':' && cp(t[i]) != U',') || i + 1 >= t.size() ||
                           is_decimal(cp(t[i + 1]))) {
                         return 0;
                       }
                       out.push_back(Ch(' '));
                       out.push_back(t[i]);
                       out.push_back(Ch(' '));
                       out.push_back(t[i + 1]);
                       return 2;
                     });
  // ([:,])$ -> " \1 " ($ also matches before a final newline)
  {
    std::size_t k = s.size();
    if (k > 0 && cp(s[k - 1]) == U'\n') --k;
    if (k > 0 && (cp(s[k - 1]) == U':' || cp(s[k - 1]) == U',')) {
      const Ch c = s[k - 1];
      s = s.substr(0, k - 1) + Ch(' ') + c + Ch(' ') + s.substr(k);
    }
  }
  // \.{2,} -> " \g<0> "
  s = substitute<Ch>(std::move(s), Trigger{"", "..", false, "."},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       std::size_t j = i;
                       while (j < t.size() && cp(t[j]) == U'.') ++j;
                       if (j - i < 2) return 0;
                       out.push_back(Ch(' '));
                       out.append(t, i, j - i);
                       out.push_back(Ch(' '));
                       return j - i;
                     });
  s = pad_each<Ch>(std::move(s), kSymbols, Trigger{";@#$%&"});
  s = final_period<Ch>(std::move(s), kClosers, false);
  s = pad_each<Ch>(std::move(s), kQuestion, Trigger{"?!"});
  // ([^'])' -> "\1 ' "
  s = substitute<Ch>(std::move(s), Trigger{"", "' ", false, "'", 1},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (cp(t[i]) == U'\'' || at(t, i + 1) != U'\'' || at(t, i + 2) != U' ')
                         return 0;
                       out.push_back(t[i]);
                       put(out, " ' ");
                       return 3;
                     });
  s = pad_each<Ch>(std::move(s), kStar, Trigger{"*"});
  return s;
}

template <typename Ch>
Str<Ch> ending_quotes(Str<Ch> s) {
  s = pad_each<Ch>(std::move(s), kClosingQuotes, Trigger{""});
  // '' -> " '' "
  s = substitute<Ch>(std::move(s), Trigger{"", "''", false, "'"},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (cp(t[i]) != U'\'' || at(t, i + 1) != U'\'') return 0;
                       put(out, " '' ");
                       return 2;
                     });
  // " -> " '' "
  s = substitute<Ch>(std::move(s), Trigger{"\"", {}, false, "\""},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (cp(t[i]) != U'"') return 0;
                       put(out, " '' ");
                       return 1;
                     });
  // ([^' ])('[sS]|'[mM]|'[dD]|') -> "\1 \2 "
  s = substitute<Ch>(std::move(s), Trigger{"'", {}, false, "'", 1},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (cp(t[i]) == U'\'' || cp(t[i]) == U' ' || at(t, i + 1) != U'\'') return 0;
                       std::size_t clitic = 0;
                       if (kClitic.contains(at(t, i + 2)) && at(t, i + 3) == U' ') {
                         clitic = 2;
                       } else if (at(t, i + 2) == U' ') {
                         clitic = 1;
                       } else {
                         return 0;
                       }
                       out.push_back(t[i]);
                       out.push_back(Ch(' '));
                       out.append(t, i + 1, clitic);
                       out.push_back(Ch(' '));
                       return 1 + clitic + 1;
                     });
  // ([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) -> "\1 \2 "
  s = substitute<Ch>(
      std::move(s), Trigger{"'"}, [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
        if (cp(t[i]) == U'\'' || cp(t[i]) == U' ' || i + 4 >= t.size() || cp(t[i + 4]) != U' ')
          return 0;
        static constexpr std::string_view kClitics[] = {"'ll", "'LL", "'re", "'RE",
                                                        "'ve", "'VE", "n't", "N'T"};
        bool found = false;
        for (const auto c : kClitics) {
          found = found || (cp(t[i + 1]) == static_cast<unsigned char>(c[0]) &&
                            cp(t[i + 2]) == static_cast<unsigned char>(c[1]) &&
                            cp(t[i + 3]) == static_cast<unsigned char>(c[2]));
        }
        if (!found) return 0;
        out.push_back(t[i]);
        out.push_back(Ch(' '));
        out.append(t, i + 1, 3);
        out.push_back(Ch(' '));
        return 5;
      });
  return s;
}

// MacIntyre's contractions: (?i)\b(first)(second)\b -> " \1 \2 " (wanna: (?=\s) instead of
// the final \b); then (?i) ('t)(is)\b and (?i) ('t)(was)\b.
template <typename Ch>
Str<Ch> contractions(Str<Ch> s) {
  struct Split {
    std::string_view first;
    std::string_view second;
    bool space_after;  // (?=\s) instead of \b
  };
  static constexpr Split kTwo[] = {
      {"can", "not", false}, {"d", "'ye", false},  {"gim", "me", false},  {"gon", "na", false},
      {"got", "ta", false},  {"lem", "me", false}, {"more", "'n", false}, {"wan", "na", true}};
  // Replacements only insert spaces, so a contraction absent from the text before these
  // passes stays absent: ASCII text skips the passes whose word it does not contain.
  std::string folded;
  if constexpr (std::is_same_v<Ch, char>) {
    folded = s;
    for (char& c : folded) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  const auto absent = [&](std::string_view first, std::string_view second) {
    if constexpr (std::is_same_v<Ch, char>) {
      std::string word(first);
      word += second;
      return folded.find(word) == std::string::npos;
    } else {
      return false;
    }
  };
  for (const Split& rule : kTwo) {
    if (absent(rule.first, rule.second)) continue;
    const std::size_t a = rule.first.size();
    const std::size_t b = rule.second.size();
    s = substitute<Ch>(
        std::move(s), Trigger{"", "", true},
        [&](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
          if (!ieq(cp(t[i]), rule.first[0]) || !boundary(t, i) || !imatch(t, i, rule.first) ||
              !imatch(t, i + a, rule.second)) {
            return 0;
          }
          const std::size_t end = i + a + b;
          if (rule.space_after ? !(end < t.size() && is_space(cp(t[end]))) : !boundary(t, end)) {
            return 0;
          }
          out.push_back(Ch(' '));
          out.append(t, i, a);
          out.push_back(Ch(' '));
          out.append(t, i + a, b);
          out.push_back(Ch(' '));
          return a + b;
        });
  }
  for (const std::string_view second : {std::string_view("is"), std::string_view("was")}) {
    if (absent("'t", second)) continue;
    const std::size_t b = second.size();
    s = substitute<Ch>(std::move(s), Trigger{"'", {}, false, "'", 1},
                       [&](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                         if (cp(t[i]) != U' ' || !imatch(t, i + 1, "'t") ||
                             !imatch(t, i + 3, second) || !boundary(t, i + 3 + b)) {
                           return 0;
                         }
                         out.push_back(Ch(' '));
                         out.append(t, i + 1, 2);
                         out.push_back(Ch(' '));
                         out.append(t, i + 3, b);
                         out.push_back(Ch(' '));
                         return 3 + b;
                       });
  }
  return s;
}

template <typename Ch>
std::vector<std::string> tokenize(Str<Ch> s) {
  s = starting_quotes<Ch>(std::move(s));
  s = punctuation<Ch>(std::move(s));
  s = pad_each<Ch>(std::move(s), kBrackets, Trigger{"[](){}<>"});
  // -- -> " -- "
  s = substitute<Ch>(std::move(s), Trigger{"", "--", false, "-"},
                     [](const Str<Ch>& t, std::size_t i, Str<Ch>& out) -> std::size_t {
                       if (cp(t[i]) != U'-' || at(t, i + 1) != U'-') return 0;
                       put(out, " -- ");
                       return 2;
                     });
  s = Ch(' ') + s + Ch(' ');
  s = ending_quotes<Ch>(std::move(s));
  s = contractions<Ch>(std::move(s));

  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(cp(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(cp(s[i]))) ++i;
    if (i == start) continue;
    if constexpr (std::is_same_v<Ch, char>) {
      tokens.emplace_back(s, start, i - start);
    } else {
      tokens.push_back(pytext::encode(std::u32string_view(s).substr(start, i - start)));
    }
  }
  return tokens;
}

}  // namespace

std::vector<std::string> nltk_word_tokenize(std::string_view text) {
  // Pure ASCII text (most reviews) runs on bytes; anything else on code points.
  const bool ascii = std::all_of(text.begin(), text.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  if (ascii) return tokenize<char>(std::string(text));
  return tokenize<char32_t>(pytext::decode(text));
}

}  // namespace reasonrec::eval
