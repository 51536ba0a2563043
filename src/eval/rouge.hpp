#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <memory>

#include "eval/metric_options.hpp"
#include "eval/porter_stemmer.hpp"
#include "eval/text_metric.hpp"

namespace reasonrec::eval {

// Google's rouge-score 0.1.2 (rouge_scorer.RougeScorer with its DefaultTokenizer),
// reproduced exactly.
struct RougeTriple {
  double precision = 0.0;
  double recall = 0.0;
  double fmeasure = 0.0;
};

// A rouge type: "rouge1".."rouge9" (n-grams), "rougeL" (LCS), "rougeLsum" (summary-level
// LCS over newline-separated sentences, split_summaries=False).
struct RougeType {
  enum class Kind { NGram, Lcs, LcsSum };
  Kind kind = Kind::NGram;
  int n = 1;
  std::string name;

  // Throws UsageError on anything rouge-score would reject.
  static RougeType parse(std::string_view name);
};

class RougeScorer {
 public:
  RougeScorer(std::vector<RougeType> types, bool use_stemmer);

  // rouge-score's tokenize(): Python lower(), runs outside [a-z0-9] become separators,
  // tokens longer than 3 characters are Porter-stemmed (NLTK_EXTENSIONS) when enabled.
  std::vector<std::string> tokenize(std::string_view text) const;

  // RougeScorer.score(target, prediction): one triple per type, in the order given.
  std::vector<RougeTriple> score(std::string_view target, std::string_view prediction) const;

  // RougeScorer.score_multi(targets, prediction): per type, the target with the highest F
  // (the first one on ties, like np.argmax). Throws Error when targets is empty.
  std::vector<RougeTriple> score_multi(const std::vector<std::string>& targets,
                                       std::string_view prediction) const;

  const std::vector<RougeType>& types() const { return types_; }
  bool use_stemmer() const { return use_stemmer_; }

 private:
  std::vector<RougeType> types_;
  bool use_stemmer_;
  PorterStemmer stemmer_;
};

// One rouge type as a TextMetric: score = F; parts precision, recall, fmeasure; several
// references = score_multi (max F).
class RougeMetric : public TextMetric {
 public:
  RougeMetric(std::string_view type, bool use_stemmer);

  std::string name() const override;
  std::string signature() const override;
  TextScore sentence(std::string_view candidate,
                     const std::vector<std::string>& references) const override;

 private:
  RougeScorer scorer_;
};

// Factory entries for text_metrics: option stem=yes|no (rouge-score's use_stemmer, default no).
std::unique_ptr<TextMetric> make_rouge1(const MetricOptions& options);
std::unique_ptr<TextMetric> make_rouge2(const MetricOptions& options);
std::unique_ptr<TextMetric> make_rouge_l(const MetricOptions& options);
std::unique_ptr<TextMetric> make_rouge_lsum(const MetricOptions& options);

}  // namespace reasonrec::eval
