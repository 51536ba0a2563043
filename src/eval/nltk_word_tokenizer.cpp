#include "eval/nltk_word_tokenizer.hpp"

#include <cstdint>
#include <string_view>

#include "eval/python_re.hpp"
#include "eval/python_text.hpp"

namespace reasonrec::eval {
namespace {

using Text = std::u32string;

// re.sub for patterns that never match the empty string: scan left to right, and at each
// position let `rule` try to match the ORIGINAL text (lookbehind context such as \b sees the
// input, not the output); a match appends its replacement and returns how many code points
// it consumed, no match returns 0 and the code point is copied.
template <typename Rule>
Text substitute(Text s, Rule&& rule) {
  Text out;
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
      Text replacement = out.substr(mark);
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

bool is_space(char32_t c) {
  if (c < 128) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return pytext::is_space(c);
}

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

char32_t at(const Text& s, std::size_t i) {
  return i < s.size() ? s[i] : 0;
}

bool word_at(const Text& s, std::size_t i) {
  return i < s.size() && pyre::is_word(s[i]);
}

// \b at position i.
bool boundary(const Text& s, std::size_t i) {
  const bool before = i > 0 && pyre::is_word(s[i - 1]);
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

bool imatch(const Text& s, std::size_t i, std::string_view word) {
  if (i + word.size() > s.size()) return false;
  for (std::size_t k = 0; k < word.size(); ++k) {
    const char w = word[k];
    if (w >= 'a' && w <= 'z') {
      if (!ieq(s[i + k], w)) return false;
    } else if (s[i + k] != static_cast<char32_t>(w)) {
      return false;
    }
  }
  return true;
}

// Pads every code point in `set` with spaces: r" \g<0> ".
Text pad_each(Text s, const CharSet& set) {
  return substitute(std::move(s), [&set](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (!set.contains(t[i])) return 0;
    out.push_back(U' ');
    out.push_back(t[i]);
    out.push_back(U' ');
    return 1;
  });
}

// The two "final period" rules: ([^\.])(\.)([CLOSERS]*)\s*$ -> "\1 \2<sep>\3 ". Everything
// after the period must be closers then whitespace, so at most one period qualifies: the
// one just before the trailing run of closers and whitespace.
Text final_period(Text s, const CharSet& closers, bool space_after_period) {
  std::size_t t = s.size();
  while (t > 0 && (closers.contains(s[t - 1]) || is_space(s[t - 1]))) --t;
  if (t < 2 || s[t - 1] != U'.' || s[t - 2] == U'.') return s;
  const std::size_t period = t - 1;
  std::size_t q = period + 1;
  while (q < s.size() && closers.contains(s[q])) ++q;
  for (std::size_t k = q; k < s.size(); ++k) {
    if (!is_space(s[k])) return s;
  }
  Text out = s.substr(0, period);
  out += U' ';
  out += U'.';
  if (space_after_period) out += U' ';
  out.append(s, period + 1, q - period - 1);
  out += U' ';
  return out;
}

Text starting_quotes(Text s) {
  // ([«“‘„]|[`]+) -> " \1 "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (kOpeningQuotes.contains(t[i])) {
      out.push_back(U' ');
      out.push_back(t[i]);
      out.push_back(U' ');
      return 1;
    }
    if (t[i] != U'`') return 0;
    std::size_t j = i;
    while (j < t.size() && t[j] == U'`') ++j;
    out.push_back(U' ');
    out.append(t, i, j - i);
    out.push_back(U' ');
    return j - i;
  });
  // ^\" -> ``
  if (!s.empty() && s[0] == U'"') s = U"``" + s.substr(1);
  // (``) -> " \1 "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (t[i] != U'`' || at(t, i + 1) != U'`') return 0;
    out += U" `` ";
    return 2;
  });
  // ([ \(\[{<])(\"|\'{2}) -> "\1 `` "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (!kBeforeQuote.contains(t[i])) return 0;
    std::size_t quote = 0;
    if (at(t, i + 1) == U'"') {
      quote = 1;
    } else if (at(t, i + 1) == U'\'' && at(t, i + 2) == U'\'') {
      quote = 2;
    } else {
      return 0;
    }
    out.push_back(t[i]);
    out += U" `` ";
    return 1 + quote;
  });
  // (?i)(\')(?!re|ve|ll|m|t|s|d|n)(\w)\b -> "\1 \2". The two-letter alternatives of the
  // lookahead would need a word character where \b demands a non-word one, so only the
  // single letters can veto.
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (t[i] != U'\'' || !word_at(t, i + 1) || word_at(t, i + 2)) return 0;
    const char32_t c = t[i + 1];
    for (const char letter : {'m', 't', 's', 'd', 'n'}) {
      if (ieq(c, letter)) return 0;
    }
    out += U"' ";
    out.push_back(c);
    return 2;
  });
  return s;
}

Text punctuation(Text s) {
  s = final_period(std::move(s), kClosersWide, true);
  // ([:,])([^\d]) -> " \1 \2"
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if ((t[i] != U':' && t[i] != U',') || i + 1 >= t.size() || pyre::is_decimal(t[i + 1])) {
      return 0;
    }
    out.push_back(U' ');
    out.push_back(t[i]);
    out.push_back(U' ');
    out.push_back(t[i + 1]);
    return 2;
  });
  // ([:,])$ -> " \1 " ($ also matches before a final newline)
  {
    std::size_t k = s.size();
    if (k > 0 && s[k - 1] == U'\n') --k;
    if (k > 0 && (s[k - 1] == U':' || s[k - 1] == U',')) {
      const char32_t c = s[k - 1];
      s = s.substr(0, k - 1) + U' ' + c + U' ' + s.substr(k);
    }
  }
  // \.{2,} -> " \g<0> "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    std::size_t j = i;
    while (j < t.size() && t[j] == U'.') ++j;
    if (j - i < 2) return 0;
    out.push_back(U' ');
    out.append(t, i, j - i);
    out.push_back(U' ');
    return j - i;
  });
  s = pad_each(std::move(s), kSymbols);
  s = final_period(std::move(s), kClosers, false);
  s = pad_each(std::move(s), kQuestion);
  // ([^'])' -> "\1 ' "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (t[i] == U'\'' || at(t, i + 1) != U'\'' || at(t, i + 2) != U' ') return 0;
    out.push_back(t[i]);
    out += U" ' ";
    return 3;
  });
  s = pad_each(std::move(s), kStar);
  return s;
}

Text ending_quotes(Text s) {
  s = pad_each(std::move(s), kClosingQuotes);
  // '' -> " '' "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (t[i] != U'\'' || at(t, i + 1) != U'\'') return 0;
    out += U" '' ";
    return 2;
  });
  // " -> " '' "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (t[i] != U'"') return 0;
    out += U" '' ";
    return 1;
  });
  // ([^' ])('[sS]|'[mM]|'[dD]|') -> "\1 \2 "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (t[i] == U'\'' || t[i] == U' ' || at(t, i + 1) != U'\'') return 0;
    std::size_t clitic = 0;
    if (kClitic.contains(at(t, i + 2)) && at(t, i + 3) == U' ') {
      clitic = 2;
    } else if (at(t, i + 2) == U' ') {
      clitic = 1;
    } else {
      return 0;
    }
    out.push_back(t[i]);
    out.push_back(U' ');
    out.append(t, i + 1, clitic);
    out.push_back(U' ');
    return 1 + clitic + 1;
  });
  // ([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) -> "\1 \2 "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (t[i] == U'\'' || t[i] == U' ' || i + 4 >= t.size() || t[i + 4] != U' ') return 0;
    const std::u32string_view clitic(t.data() + i + 1, 3);
    static constexpr std::u32string_view kClitics[] = {U"'ll", U"'LL", U"'re", U"'RE",
                                                       U"'ve", U"'VE", U"n't", U"N'T"};
    bool found = false;
    for (const auto c : kClitics) found = found || c == clitic;
    if (!found) return 0;
    out.push_back(t[i]);
    out.push_back(U' ');
    out.append(clitic);
    out.push_back(U' ');
    return 5;
  });
  return s;
}

// MacIntyre's contractions: (?i)\b(first)(second)\b -> " \1 \2 " (wanna: (?=\s) instead of
// the final \b); then (?i) ('t)(is)\b and (?i) ('t)(was)\b.
Text contractions(Text s) {
  struct Split {
    std::string_view first;
    std::string_view second;
    bool space_after;  // (?=\s) instead of \b
  };
  static constexpr Split kTwo[] = {
      {"can", "not", false}, {"d", "'ye", false},  {"gim", "me", false},  {"gon", "na", false},
      {"got", "ta", false},  {"lem", "me", false}, {"more", "'n", false}, {"wan", "na", true}};
  for (const Split& rule : kTwo) {
    const std::size_t a = rule.first.size();
    const std::size_t b = rule.second.size();
    s = substitute(std::move(s), [&](const Text& t, std::size_t i, Text& out) -> std::size_t {
      if (!ieq(t[i], rule.first[0]) || !boundary(t, i) || !imatch(t, i, rule.first) ||
          !imatch(t, i + a, rule.second)) {
        return 0;
      }
      const std::size_t end = i + a + b;
      if (rule.space_after ? !(end < t.size() && is_space(t[end])) : !boundary(t, end)) {
        return 0;
      }
      out.push_back(U' ');
      out.append(t, i, a);
      out.push_back(U' ');
      out.append(t, i + a, b);
      out.push_back(U' ');
      return a + b;
    });
  }
  for (const std::string_view second : {std::string_view("is"), std::string_view("was")}) {
    const std::size_t b = second.size();
    s = substitute(std::move(s), [&](const Text& t, std::size_t i, Text& out) -> std::size_t {
      if (t[i] != U' ' || !imatch(t, i + 1, "'t") || !imatch(t, i + 3, second) ||
          !boundary(t, i + 3 + b)) {
        return 0;
      }
      out.push_back(U' ');
      out.append(t, i + 1, 2);
      out.push_back(U' ');
      out.append(t, i + 3, b);
      out.push_back(U' ');
      return 3 + b;
    });
  }
  return s;
}

}  // namespace

std::vector<std::string> nltk_word_tokenize(std::string_view text) {
  Text s = pytext::decode(text);
  s = starting_quotes(std::move(s));
  s = punctuation(std::move(s));
  s = pad_each(std::move(s), kBrackets);
  // -- -> " -- "
  s = substitute(std::move(s), [](const Text& t, std::size_t i, Text& out) -> std::size_t {
    if (t[i] != U'-' || at(t, i + 1) != U'-') return 0;
    out += U" -- ";
    return 2;
  });
  s = U" " + s + U" ";
  s = ending_quotes(std::move(s));
  s = contractions(std::move(s));

  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start)
      tokens.push_back(pytext::encode(std::u32string_view(s).substr(start, i - start)));
  }
  return tokens;
}

}  // namespace reasonrec::eval
