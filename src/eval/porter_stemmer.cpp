#include "eval/porter_stemmer.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include "eval/python_text.hpp"

namespace reasonrec::eval {
namespace {

using Mode = PorterStemmer::Mode;

// The irregular forms NLTK_EXTENSIONS maps directly (form -> stem).
constexpr std::array<std::pair<const char*, const char*>, 16> kIrregular{{
    {"sky", "sky"},
    {"skies", "sky"},
    {"dying", "die"},
    {"lying", "lie"},
    {"tying", "tie"},
    {"news", "news"},
    {"innings", "inning"},
    {"inning", "inning"},
    {"outings", "outing"},
    {"outing", "outing"},
    {"cannings", "canning"},
    {"canning", "canning"},
    {"howe", "howe"},
    {"proceed", "proceed"},
    {"exceed", "exceed"},
    {"succeed", "succeed"},
}};

// The algorithm over Python-like strings of code points. Ch is char for ASCII words (the
// fast path) and char32_t otherwise; letters outside a-z are consonants, as in NLTK.
template <typename Ch>
class Steps {
 public:
  using Word = std::basic_string<Ch>;

  explicit Steps(Mode mode) : mode_(mode), nltk_(mode == Mode::NltkExtensions) {}

  Word run(Word w) const {
    w = step1a(std::move(w));
    w = step1b(std::move(w));
    w = step1c(std::move(w));
    w = step2(std::move(w));
    w = step3(std::move(w));
    w = step4(std::move(w));
    w = step5a(std::move(w));
    w = step5b(std::move(w));
    return w;
  }

 private:
  static bool is_vowel_letter(Ch c) {
    return c == Ch('a') || c == Ch('e') || c == Ch('i') || c == Ch('o') || c == Ch('u');
  }

  // NLTK's _is_consonant: 'y' is a consonant at the start or after a vowel.
  static bool consonant(const Word& w, std::size_t i) {
    bool result = true;
    std::size_t start = i;
    // Walk back over the run of 'y's that precede i, then resolve forward.
    while (start > 0 && w[start] == Ch('y')) --start;
    for (std::size_t k = start; k <= i; ++k) {
      if (is_vowel_letter(w[k])) {
        result = false;
      } else if (w[k] == Ch('y')) {
        result = (k == 0) ? true : !result;
      } else {
        result = true;
      }
    }
    return result;
  }

  static int measure(const Word& stem) {
    int m = 0;
    bool previous_vowel = false;
    bool current = true;
    for (std::size_t i = 0; i < stem.size(); ++i) {
      const Ch c = stem[i];
      if (is_vowel_letter(c)) {
        current = false;
      } else if (c == Ch('y')) {
        current = (i == 0) ? true : !current;
      } else {
        current = true;
      }
      if (i > 0 && previous_vowel && current) ++m;
      previous_vowel = !current;
    }
    return m;
  }

  static bool contains_vowel(const Word& stem) {
    for (std::size_t i = 0; i < stem.size(); ++i) {
      if (!consonant(stem, i)) return true;
    }
    return false;
  }

  static bool ends_double_consonant(const Word& w) {
    const std::size_t n = w.size();
    return n >= 2 && w[n - 1] == w[n - 2] && consonant(w, n - 1);
  }

  bool ends_cvc(const Word& w) const {
    const std::size_t n = w.size();
    if (n >= 3 && consonant(w, n - 3) && !consonant(w, n - 2) && consonant(w, n - 1) &&
        w[n - 1] != Ch('w') && w[n - 1] != Ch('x') && w[n - 1] != Ch('y')) {
      return true;
    }
    return nltk_ && n == 2 && !consonant(w, 0) && consonant(w, 1);
  }

  static bool ends_with(const Word& w, const char* suffix) {
    const std::size_t k = std::strlen(suffix);
    if (w.size() < k) return false;
    for (std::size_t i = 0; i < k; ++i) {
      if (w[w.size() - k + i] != Ch(static_cast<unsigned char>(suffix[i]))) return false;
    }
    return true;
  }

  static Word without(const Word& w, std::size_t k) { return w.substr(0, w.size() - k); }

  static Word concat(Word stem, const char* tail) {
    for (const char* p = tail; *p; ++p) stem.push_back(Ch(static_cast<unsigned char>(*p)));
    return stem;
  }

  struct Rule {
    const char* suffix;
    const char* replacement;
    int condition;  // see holds()
  };
  enum Condition { kAlways, kMeasurePositive, kMeasureAbove1, kIonStem, kLogiStem };

  bool holds(int condition, const Word& stem, const Word& word) const {
    switch (condition) {
      case kAlways:
        return true;
      case kMeasurePositive:
        return measure(stem) > 0;
      case kMeasureAbove1:
        return measure(stem) > 1;
      case kIonStem:
        return measure(stem) > 1 && (stem.back() == Ch('s') || stem.back() == Ch('t'));
      case kLogiStem:  // NLTK keeps the 'l' of 'logi' with the stem it measures
        return measure(without(word, 3)) > 0;
      default:
        return false;
    }
  }

  // NLTK's _apply_rule_list: the first rule whose suffix matches decides, whether or not its
  // condition holds.
  template <std::size_t N>
  Word apply(Word word, const std::array<Rule, N>& rules, std::size_t count = N) const {
    for (std::size_t r = 0; r < count; ++r) {
      const Rule& rule = rules[r];
      if (ends_with(word, rule.suffix)) {
        Word stem = without(word, std::strlen(rule.suffix));
        if (holds(rule.condition, stem, word)) return concat(std::move(stem), rule.replacement);
        return word;
      }
    }
    return word;
  }

  Word step1a(Word w) const {
    if (nltk_ && w.size() == 4 && ends_with(w, "ies")) return concat(without(w, 3), "ie");
    static constexpr std::array<Rule, 4> rules{{
        {"sses", "ss", kAlways},
        {"ies", "i", kAlways},
        {"ss", "ss", kAlways},
        {"s", "", kAlways},
    }};
    return apply(std::move(w), rules);
  }

  Word step1b(Word w) const {
    if (nltk_ && ends_with(w, "ied")) {
      return concat(without(w, 3), w.size() == 4 ? "ie" : "i");
    }
    if (ends_with(w, "eed")) {
      Word stem = without(w, 3);
      if (measure(stem) > 0) return concat(std::move(stem), "ee");
      return w;
    }
    Word inter;
    bool succeeded = false;
    for (const char* suffix : {"ed", "ing"}) {
      if (ends_with(w, suffix)) {
        inter = without(w, std::strlen(suffix));
        if (contains_vowel(inter)) {
          succeeded = true;
          break;
        }
      }
    }
    if (!succeeded) return w;

    if (ends_with(inter, "at")) return concat(without(inter, 2), "ate");
    if (ends_with(inter, "bl")) return concat(without(inter, 2), "ble");
    if (ends_with(inter, "iz")) return concat(without(inter, 2), "ize");
    // NLTK's "*d" rule. Its suffix is also tested literally, so a stem ending in the two
    // characters "*d" matches too; both paths drop two characters and append the last one.
    const Ch last = inter.back();
    if (ends_double_consonant(inter) || ends_with(inter, "*d")) {
      if (last != Ch('l') && last != Ch('s') && last != Ch('z')) {
        Word stem = without(inter, 2);
        stem.push_back(last);
        return stem;
      }
      return inter;
    }
    if (measure(inter) == 1 && ends_cvc(inter)) return concat(std::move(inter), "e");
    return inter;
  }

  Word step1c(Word w) const {
    if (!ends_with(w, "y")) return w;
    Word stem = without(w, 1);
    const bool ok =
        nltk_ ? (stem.size() > 1 && consonant(stem, stem.size() - 1)) : contains_vowel(stem);
    return ok ? concat(std::move(stem), "i") : w;
  }

  Word step2(Word w) const {
    if (nltk_ && ends_with(w, "alli") && measure(without(w, 4)) > 0) {
      return step2(concat(without(w, 4), "al"));
    }
    const bool original = mode_ == Mode::OriginalAlgorithm;
    const std::array<Rule, 22> rules{{
        {"ational", "ate", kMeasurePositive},
        {"tional", "tion", kMeasurePositive},
        {"enci", "ence", kMeasurePositive},
        {"anci", "ance", kMeasurePositive},
        {"izer", "ize", kMeasurePositive},
        original ? Rule{"abli", "able", kMeasurePositive} : Rule{"bli", "ble", kMeasurePositive},
        {"alli", "al", kMeasurePositive},
        {"entli", "ent", kMeasurePositive},
        {"eli", "e", kMeasurePositive},
        {"ousli", "ous", kMeasurePositive},
        {"ization", "ize", kMeasurePositive},
        {"ation", "ate", kMeasurePositive},
        {"ator", "ate", kMeasurePositive},
        {"alism", "al", kMeasurePositive},
        {"iveness", "ive", kMeasurePositive},
        {"fulness", "ful", kMeasurePositive},
        {"ousness", "ous", kMeasurePositive},
        {"aliti", "al", kMeasurePositive},
        {"iviti", "ive", kMeasurePositive},
        {"biliti", "ble", kMeasurePositive},
        // Mode-specific tail: NLTK adds two rules, Martin one, the original none.
        nltk_ ? Rule{"fulli", "ful", kMeasurePositive} : Rule{"logi", "log", kMeasurePositive},
        Rule{"logi", "log", kLogiStem},
    }};
    const std::size_t count = nltk_ ? 22 : (mode_ == Mode::MartinExtensions ? 21 : 20);
    return apply(std::move(w), rules, count);
  }

  Word step3(Word w) const {
    static constexpr std::array<Rule, 7> rules{{
        {"icate", "ic", kMeasurePositive},
        {"ative", "", kMeasurePositive},
        {"alize", "al", kMeasurePositive},
        {"iciti", "ic", kMeasurePositive},
        {"ical", "ic", kMeasurePositive},
        {"ful", "", kMeasurePositive},
        {"ness", "", kMeasurePositive},
    }};
    return apply(std::move(w), rules);
  }

  Word step4(Word w) const {
    static constexpr std::array<Rule, 19> rules{{
        {"al", "", kMeasureAbove1},   {"ance", "", kMeasureAbove1}, {"ence", "", kMeasureAbove1},
        {"er", "", kMeasureAbove1},   {"ic", "", kMeasureAbove1},   {"able", "", kMeasureAbove1},
        {"ible", "", kMeasureAbove1}, {"ant", "", kMeasureAbove1},  {"ement", "", kMeasureAbove1},
        {"ment", "", kMeasureAbove1}, {"ent", "", kMeasureAbove1},  {"ion", "", kIonStem},
        {"ou", "", kMeasureAbove1},   {"ism", "", kMeasureAbove1},  {"ate", "", kMeasureAbove1},
        {"iti", "", kMeasureAbove1},  {"ous", "", kMeasureAbove1},  {"ive", "", kMeasureAbove1},
        {"ize", "", kMeasureAbove1},
    }};
    return apply(std::move(w), rules);
  }

  Word step5a(Word w) const {
    if (ends_with(w, "e")) {
      Word stem = without(w, 1);
      const int m = measure(stem);
      if (m > 1) return stem;
      if (m == 1 && !ends_cvc(stem)) return stem;
    }
    return w;
  }

  Word step5b(Word w) const {
    if (ends_with(w, "ll") && measure(without(w, 1)) > 1) return without(w, 1);
    return w;
  }

  Mode mode_;
  bool nltk_;
};

const char* irregular_stem(std::string_view word) {
  for (const auto& [form, stem] : kIrregular) {
    if (word == form) return stem;
  }
  return nullptr;
}

}  // namespace

std::string PorterStemmer::mode_name(Mode mode) {
  switch (mode) {
    case Mode::NltkExtensions:
      return "NLTK_EXTENSIONS";
    case Mode::MartinExtensions:
      return "MARTIN_EXTENSIONS";
    case Mode::OriginalAlgorithm:
      return "ORIGINAL_ALGORITHM";
  }
  return "?";
}

std::string PorterStemmer::stem(std::string_view word) const {
  // NLTK looks the word up before lowercasing it, and returns the table's stem.
  if (mode_ == Mode::NltkExtensions) {
    if (const char* irregular = irregular_stem(word)) return irregular;
  }
  const bool ascii = std::all_of(word.begin(), word.end(),
                                 [](char c) { return static_cast<unsigned char>(c) < 0x80; });
  std::string lowered = pytext::lower(word);
  // NLTK measures the word as given (Python's lower() may change the length).
  const std::size_t length = ascii ? word.size() : pytext::length(word);
  if (mode_ != Mode::OriginalAlgorithm && length <= 2) return lowered;
  if (ascii) return Steps<char>(mode_).run(std::move(lowered));
  return pytext::encode(Steps<char32_t>(mode_).run(pytext::decode(lowered)));
}

}  // namespace reasonrec::eval
