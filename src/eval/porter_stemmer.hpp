#pragma once

#include <string>
#include <string_view>

namespace reasonrec::eval {

// NLTK 3.8's nltk.stem.porter.PorterStemmer, every mode, reproduced exactly (including its
// quirks: the irregular-forms table is consulted with the word as given, the 1-2 character
// guard measures the word before lowercasing, and lengths count code points).
//
// NLTK_EXTENSIONS is NLTK's default, and what both NLTK's meteor_score and rouge-score's
// use_stemmer=True use. ORIGINAL_ALGORITHM equals libstemmer's "porter".
class PorterStemmer {
 public:
  enum class Mode { NltkExtensions, MartinExtensions, OriginalAlgorithm };

  explicit PorterStemmer(Mode mode = Mode::NltkExtensions) : mode_(mode) {}

  // PorterStemmer(mode).stem(word) for a UTF-8 word; lowercases with Python's str.lower().
  std::string stem(std::string_view word) const;

  Mode mode() const { return mode_; }
  // NLTK's name of the mode, e.g. "NLTK_EXTENSIONS".
  static std::string mode_name(Mode mode);

 private:
  Mode mode_;
};

}  // namespace reasonrec::eval
