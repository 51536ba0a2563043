#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eval/metric_options.hpp"
#include "eval/text_metric.hpp"

namespace reasonrec::eval {

inline constexpr std::string_view kNltkVersion = "3.8";

struct NltkBleuOptions {
  // SmoothingFunction().methodN for N = 0..7; -1 means no smoothing function, which NLTK
  // treats as method0.
  int smoothing = -1;
  double epsilon = 0.1;  // method1
  long alpha = 5;        // method6
  long k = 5;            // method4, method7
  std::vector<double> weights = {0.25, 0.25, 0.25, 0.25};
  bool auto_reweigh = false;
  bool lowercase = false;  // applied before str.split(); NLTK itself never lowercases
};

using Tokens = std::vector<std::string_view>;

// nltk.translate.bleu_score.corpus_bleu of NLTK 3.8, quirks included:
// - the score is exactly 0 when no unigram matches, before any smoothing;
// - without smoothing a zero precision becomes sys.float_info.min, so the score is tiny but
//   not 0;
// - precisions are unreduced counts (Fractions) summed over the corpus, the smoothing
//   methods compute with exact Fractions where NLTK does (method2, 5, 6) and with floats
//   where NLTK does;
// - method4-7 read the *last* hypothesis/references of the corpus (NLTK's loop variables);
// - method6 throws Error where NLTK raises AssertionError (no trigram matches);
// - the closest reference length breaks ties toward the shorter reference.
double nltk_corpus_bleu(const std::vector<std::vector<Tokens>>& list_of_references,
                        const std::vector<Tokens>& hypotheses, const NltkBleuOptions& options);
// nltk.translate.bleu_score.sentence_bleu: corpus_bleu over one pair.
double nltk_sentence_bleu(const std::vector<Tokens>& references, const Tokens& hypothesis,
                          const NltkBleuOptions& options);

// BLEU as NLTK computes it over str.split() tokens (case kept unless lowercase), 0-1 scale.
class NltkBleu final : public TextMetric {
 public:
  explicit NltkBleu(NltkBleuOptions options = {});

  std::string name() const override { return "bleu-nltk"; }
  std::string signature() const override;
  std::string signature_for(ScoreLevel level,
                            const std::vector<std::vector<std::string>>& references) const override;

  TextScore sentence(std::string_view candidate,
                     const std::vector<std::string>& references) const override;
  TextScore corpus(const std::vector<std::string>& candidates,
                   const std::vector<std::vector<std::string>>& references) const override;

  const NltkBleuOptions& options() const { return options_; }

 private:
  std::string format_signature(const std::string& nrefs) const;

  NltkBleuOptions options_;
};

// Factory entry. Options: smooth=none|method0..method7, epsilon, alpha, k,
// weights=0.25/0.25/0.25/0.25, auto_reweigh=yes|no, lowercase=yes|no.
std::unique_ptr<TextMetric> make_nltk_bleu(const MetricOptions& options);

}  // namespace reasonrec::eval
