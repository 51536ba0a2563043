#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eval/metric_options.hpp"
#include "eval/porter_stemmer.hpp"
#include "eval/text_metric.hpp"
#include "eval/wordnet.hpp"

namespace reasonrec::eval {

// NLTK 3.8's nltk.translate.meteor_score, reproduced exactly: tokens are lowercased with
// Python's str.lower(); words align in three stages (exact, Porter stem in NLTK_EXTENSIONS
// mode, WordNet synonym looked up on the stems left over), each stage visiting hypothesis
// positions from last to first and taking the last unmatched reference position that fits;
// score = (1 - gamma * (chunks / matches)^beta) * P*R / (alpha*P + (1-alpha)*R).
struct MeteorParams {
  double alpha = 0.9;
  double beta = 3.0;
  double gamma = 0.5;
};

// The details of one hypothesis/reference pair.
struct MeteorAlignment {
  std::size_t hypothesis_length = 0;
  std::size_t reference_length = 0;
  std::size_t matches = 0;
  std::size_t chunks = 0;
  double precision = 0.0;
  double recall = 0.0;
  double fmean = 0.0;
  double penalty = 0.0;
  double score = 0.0;
};

class Meteor {
 public:
  // `cache_words` bounds the memo of per-word stems and synsets (see WordCache).
  static constexpr std::size_t kDefaultCacheWords = 1 << 18;
  explicit Meteor(std::shared_ptr<const WordNet> wordnet, MeteorParams params = {},
                  std::size_t cache_words = kDefaultCacheWords);

  // single_meteor_score(reference, hypothesis) on pre-tokenized text.
  MeteorAlignment single(const std::vector<std::string>& reference,
                         const std::vector<std::string>& hypothesis) const;
  // The same on tokens already lowercased with Python's str.lower() (see lowercase_tokens).
  MeteorAlignment single_lowercased(const std::vector<std::string>& reference,
                                    const std::vector<std::string>& hypothesis) const;

  // NLTK's preprocess (str.lower) applied to every token, in place.
  static void lowercase_tokens(std::vector<std::string>& tokens);

  // meteor_score(references, hypothesis): the best single score. Throws Error when there
  // are no references (NLTK raises ValueError).
  double score(const std::vector<std::vector<std::string>>& references,
               const std::vector<std::string>& hypothesis) const;

  const MeteorParams& params() const { return params_; }

 private:
  // Memo of what METEOR derives from a lowercased word (its Porter stem, and WordNet's view of
  // the stem). Review text repeats its words, so this turns most stemming and WordNet work
  // into one hash lookup. Thread-safe (sharded locks); it never changes a result.
  class WordCache;

  std::shared_ptr<const WordNet> wordnet_;
  MeteorParams params_;
  std::shared_ptr<WordCache> cache_;
};

// How MeteorMetric turns raw text into the tokens NLTK's meteor_score expects.
enum class MeteorTokenizer {
  // word_tokenize(text, preserve_line=True): what NLTK users (and HF evaluate) pass, minus
  // Punkt's sentence split, which needs a model no Debian package ships.
  NltkWordTokenize,
  // text.lower().split()
  Whitespace,
};

// METEOR as a TextMetric: score = meteor_score over the tokenized references; parts are the
// details of the best reference (the first one on ties, as Python's max()).
class MeteorMetric : public TextMetric {
 public:
  MeteorMetric(std::shared_ptr<const WordNet> wordnet,
               MeteorTokenizer tokenizer = MeteorTokenizer::NltkWordTokenize,
               MeteorParams params = {});

  std::string name() const override { return "meteor"; }
  std::string signature() const override;
  TextScore sentence(std::string_view candidate,
                     const std::vector<std::string>& references) const override;

  std::vector<std::string> tokenize(std::string_view text) const;

 private:
  Meteor meteor_;
  MeteorTokenizer tokenizer_;
};

// Factory entry for text_metrics. Options: tokenize=nltk|split (default nltk, i.e.
// word_tokenize(preserve_line=True); split is text.lower().split()), alpha, beta, gamma,
// wordnet=DIR (default /usr/share/wordnet).
std::unique_ptr<TextMetric> make_meteor(const MetricOptions& options);

}  // namespace reasonrec::eval
