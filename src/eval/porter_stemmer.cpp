#include "eval/porter_stemmer.hpp"

#include <algorithm>
#include <array>
#include <string_view>
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
// fast path) and char32_t otherwise; letters outside a-z are consonants, as in NLTK. NLTK
// builds a new string at every step; here every step edits the end of one buffer in place,
// and the conditions look at a prefix w[0, len) of it (a stem never depends on what follows
// it), which gives the same stems without allocating.
template <typename Ch>
class Steps {
 public:
  using Word = std::basic_string<Ch>;

  explicit Steps(Mode mode) : mode_(mode), nltk_(mode == Mode::NltkExtensions) {}

  void run(Word& w) const {
    step1a(w);
    step1b(w);
    step1c(w);
    step2(w);
    step3(w);
    step4(w);
    step5a(w);
    step5b(w);
  }

 private:
  static bool is_vowel_letter(Ch c) {
    return c == Ch('a') || c == Ch('e') || c == Ch('i') || c == Ch('o') || c == Ch('u');
  }

  // NLTK's _is_consonant: 'y' is a consonant at the start or after a vowel.
  static bool consonant(const Word& w, std::size_t i) {
    std::size_t start = i;
    while (start > 0 && w[start] == Ch('y')) --start;
    bool result = true;
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

  // m of the stem w[0, len): the number of vowel-consonant transitions.
  static int measure(const Word& w, std::size_t len) {
    int m = 0;
    bool previous_vowel = false;
    bool current = true;
    for (std::size_t i = 0; i < len; ++i) {
      const Ch c = w[i];
      if (is_vowel_letter(c)) {
        current = false;
      } else if (c == Ch('y')) {
        current = (i == 0) ? true : !current;
      } else {
        current = true;
      }
      if (previous_vowel && current) ++m;
      previous_vowel = !current;
    }
    return m;
  }

  static bool contains_vowel(const Word& w, std::size_t len) {
    for (std::size_t i = 0; i < len; ++i) {
      if (!consonant(w, i)) return true;
    }
    return false;
  }

  static bool ends_double_consonant(const Word& w, std::size_t len) {
    return len >= 2 && w[len - 1] == w[len - 2] && consonant(w, len - 1);
  }

  bool ends_cvc(const Word& w, std::size_t n) const {
    if (n >= 3 && consonant(w, n - 3) && !consonant(w, n - 2) && consonant(w, n - 1) &&
        w[n - 1] != Ch('w') && w[n - 1] != Ch('x') && w[n - 1] != Ch('y')) {
      return true;
    }
    return nltk_ && n == 2 && !consonant(w, 0) && consonant(w, 1);
  }

  static bool ends_with(const Word& w, std::size_t len, std::string_view suffix) {
    if (len < suffix.size()) return false;
    for (std::size_t i = 0; i < suffix.size(); ++i) {
      if (w[len - suffix.size() + i] != Ch(static_cast<unsigned char>(suffix[i]))) return false;
    }
    return true;
  }

  // w = w[0, len) + tail
  static void replace_tail(Word& w, std::size_t len, std::string_view tail) {
    w.resize(len);
    for (const char c : tail) w.push_back(Ch(static_cast<unsigned char>(c)));
  }

  enum Condition { kAlways, kMeasurePositive, kMeasureAbove1, kIonStem, kLogiStem };
  struct Rule {
    std::string_view suffix;
    std::string_view replacement;
    Condition condition;
  };

  // Does the condition hold for the stem w[0, len) of the word w?
  static bool holds(Condition condition, const Word& w, std::size_t len) {
    switch (condition) {
      case kAlways:
        return true;
      case kMeasurePositive:
        return measure(w, len) > 0;
      case kMeasureAbove1:
        return measure(w, len) > 1;
      case kIonStem:
        return measure(w, len) > 1 && (w[len - 1] == Ch('s') || w[len - 1] == Ch('t'));
      case kLogiStem:  // NLTK keeps the 'l' of 'logi' with the stem it measures
        return measure(w, w.size() - 3) > 0;
    }
    return false;
  }

  // NLTK's _apply_rule_list: the first rule whose suffix matches decides, whether or not its
  // condition holds.
  template <std::size_t N>
  static void apply(Word& w, const std::array<Rule, N>& rules, std::size_t count = N) {
    for (std::size_t r = 0; r < count; ++r) {
      const Rule& rule = rules[r];
      if (!ends_with(w, w.size(), rule.suffix)) continue;
      const std::size_t len = w.size() - rule.suffix.size();
      if (holds(rule.condition, w, len)) replace_tail(w, len, rule.replacement);
      return;
    }
  }

  void step1a(Word& w) const {
    if (nltk_ && w.size() == 4 && ends_with(w, w.size(), "ies")) {
      replace_tail(w, 1, "ie");
      return;
    }
    static constexpr std::array<Rule, 4> rules{{
        {"sses", "ss", kAlways},
        {"ies", "i", kAlways},
        {"ss", "ss", kAlways},
        {"s", "", kAlways},
    }};
    apply(w, rules);
  }

  void step1b(Word& w) const {
    const std::size_t n = w.size();
    if (nltk_ && ends_with(w, n, "ied")) {
      replace_tail(w, n - 3, n == 4 ? "ie" : "i");
      return;
    }
    if (ends_with(w, n, "eed")) {
      if (measure(w, n - 3) > 0) w.resize(n - 1);  // stem + "ee"
      return;
    }
    std::size_t inter = 0;
    bool succeeded = false;
    for (const std::string_view suffix : {std::string_view("ed"), std::string_view("ing")}) {
      if (ends_with(w, n, suffix)) {
        inter = n - suffix.size();
        if (contains_vowel(w, inter)) {
          succeeded = true;
          break;
        }
      }
    }
    if (!succeeded) return;
    w.resize(inter);
    if (ends_with(w, inter, "at") || ends_with(w, inter, "bl") || ends_with(w, inter, "iz")) {
      w.push_back(Ch('e'));  // AT -> ATE, BL -> BLE, IZ -> IZE
      return;
    }
    // NLTK's "*d" rule. Its suffix is also tested literally, so a stem ending in the two
    // characters "*d" matches too; both paths drop two characters and append the last one.
    const Ch last = w.back();
    if (ends_double_consonant(w, inter) || ends_with(w, inter, "*d")) {
      if (last != Ch('l') && last != Ch('s') && last != Ch('z')) {
        w.resize(inter - 2);
        w.push_back(last);
      }
      return;
    }
    if (measure(w, inter) == 1 && ends_cvc(w, inter)) w.push_back(Ch('e'));
  }

  void step1c(Word& w) const {
    const std::size_t n = w.size();
    if (!ends_with(w, n, "y")) return;
    const std::size_t len = n - 1;
    const bool ok = nltk_ ? (len > 1 && consonant(w, len - 1)) : contains_vowel(w, len);
    if (ok) w[len] = Ch('i');
  }

  void step2(Word& w) const {
    while (nltk_ && ends_with(w, w.size(), "alli") && measure(w, w.size() - 4) > 0) {
      w.resize(w.size() - 2);  // ALLI -> AL, then step 2 again
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
    apply(w, rules, count);
  }

  static void step3(Word& w) {
    static constexpr std::array<Rule, 7> rules{{
        {"icate", "ic", kMeasurePositive},
        {"ative", "", kMeasurePositive},
        {"alize", "al", kMeasurePositive},
        {"iciti", "ic", kMeasurePositive},
        {"ical", "ic", kMeasurePositive},
        {"ful", "", kMeasurePositive},
        {"ness", "", kMeasurePositive},
    }};
    apply(w, rules);
  }

  static void step4(Word& w) {
    static constexpr std::array<Rule, 19> rules{{
        {"al", "", kMeasureAbove1},   {"ance", "", kMeasureAbove1}, {"ence", "", kMeasureAbove1},
        {"er", "", kMeasureAbove1},   {"ic", "", kMeasureAbove1},   {"able", "", kMeasureAbove1},
        {"ible", "", kMeasureAbove1}, {"ant", "", kMeasureAbove1},  {"ement", "", kMeasureAbove1},
        {"ment", "", kMeasureAbove1}, {"ent", "", kMeasureAbove1},  {"ion", "", kIonStem},
        {"ou", "", kMeasureAbove1},   {"ism", "", kMeasureAbove1},  {"ate", "", kMeasureAbove1},
        {"iti", "", kMeasureAbove1},  {"ous", "", kMeasureAbove1},  {"ive", "", kMeasureAbove1},
        {"ize", "", kMeasureAbove1},
    }};
    apply(w, rules);
  }

  void step5a(Word& w) const {
    const std::size_t n = w.size();
    if (!ends_with(w, n, "e")) return;
    const int m = measure(w, n - 1);
    if (m > 1 || (m == 1 && !ends_cvc(w, n - 1))) w.resize(n - 1);
  }

  static void step5b(Word& w) {
    const std::size_t n = w.size();
    if (ends_with(w, n, "ll") && measure(w, n - 1) > 1) w.resize(n - 1);
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
  if (ascii) {
    Steps<char>(mode_).run(lowered);
    return lowered;
  }
  std::u32string wide = pytext::decode(lowered);
  Steps<char32_t>(mode_).run(wide);
  return pytext::encode(wide);
}

}  // namespace reasonrec::eval
