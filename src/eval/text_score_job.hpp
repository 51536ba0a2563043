#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "eval/metric_options.hpp"
#include "eval/text_pairs.hpp"
#include "eval/text_scoring.hpp"
#include "util/progress.hpp"

namespace reasonrec::eval {

// BERTScore settings that a metric spec's own options (layer=, idf=, baseline=) override.
struct BertScoreSettings {
  std::string encoder;  // a BERT / RoBERTa model directory
  int layer = -1;       // -1: bert_score's default layer for the model's name
  bool idf = false;
  std::string baseline;  // bert_score's rescale baseline CSV
};

// BERTScore needs a neural encoder, which lives in the engine (libtorch); torch-free builds have
// no implementation and refuse the metric.
class BertScoreColumns {
 public:
  virtual ~BertScoreColumns() = default;
  // Scores every pair and appends the column named spec.label to `result`.
  virtual void append(const MetricSpec& spec, const BertScoreSettings& settings,
                      const std::vector<TextPair>& pairs, TextScoringResult& result) = 0;
};

// Candidates scored against references with any mix of text metrics.
struct TextScoreJob {
  TextPairSource source;
  std::string format = "detect";  // detect, jsonl or text
  std::string metrics = "bleu,chrf";
  std::string out_pairs;  // per-pair JSONL, written atomically; empty: none
  unsigned threads = 1;
  BertScoreSettings bertscore;
  ProgressMode progress = ProgressMode::Auto;
};

struct TextScoreOutcome {
  std::size_t pairs = 0;
  TextScoringResult result;
};

// Reads the pairs, scores every metric (BERTScore through `bertscore`, which may be null when the
// job asks for none) and writes the per-pair file. Throws UsageError for unknown metrics or a
// BERTScore request that cannot be served, InputError for bad input files.
TextScoreOutcome run_text_score_job(const TextScoreJob& job, BertScoreColumns* bertscore);

}  // namespace reasonrec::eval
