#pragma once

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/text_metric.hpp"
#include "eval/text_pairs.hpp"

namespace reasonrec {
class Progress;
}

namespace reasonrec::eval {

// A metric to run, under the label its scores carry in outputs.
struct LabeledMetric {
  std::string label;
  std::unique_ptr<TextMetric> metric;
};

// One pair's result for one metric: a score, or the error the metric raised for it (as
// NLTK's method6 does for some pairs); never both.
struct PairScore {
  std::optional<TextScore> score;
  std::string error;
};

struct MetricSummary {
  std::string label;
  std::string name;
  std::string sentence_signature;
  std::string corpus_signature;
  std::optional<TextScore> corpus;  // the metric's native corpus score
  std::string corpus_error;         // why there is none
  double sentence_mean = 0.0;       // mean of the pairs that scored
  std::size_t scored = 0;
  std::size_t errors = 0;
};

struct TextScoringResult {
  std::vector<std::vector<PairScore>> pairs;  // pairs[i][m]: pair i, metric m
  std::vector<MetricSummary> metrics;
};

// Scores every pair with every metric (sentence level, `threads` workers; results do not
// depend on the thread count), then each metric's corpus score. Errors a metric raises for
// a pair or for the corpus are recorded, not thrown.
TextScoringResult score_text_pairs(const std::vector<LabeledMetric>& metrics,
                                   const std::vector<TextPair>& pairs, unsigned threads = 1,
                                   Progress* progress = nullptr);

// One JSON line per pair: {"id", "scores": {label: {"score", parts...} or null},
// "errors": {label: message}} (errors only where there are some).
void write_pair_scores_jsonl(std::ostream& out, const std::vector<TextPair>& pairs,
                             const TextScoringResult& result);

// A markdown table of corpus scores and sentence means, then every metric's signatures.
std::string summary_markdown(const TextScoringResult& result, std::size_t pairs, int digits = 4);
nlohmann::json summary_json(const TextScoringResult& result, std::size_t pairs);

}  // namespace reasonrec::eval
