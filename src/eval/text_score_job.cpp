#include "eval/text_score_job.hpp"

#include <sstream>

#include "eval/text_metrics.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {

TextScoreOutcome run_text_score_job(const TextScoreJob& job, BertScoreColumns* bertscore) {
  std::vector<LabeledMetric> metrics;
  std::vector<MetricSpec> bertscores;  // scored apart: idf needs every reference
  for (MetricSpec& spec : parse_metric_specs(job.metrics)) {
    if (spec.name == "bertscore") {
      if (bertscore == nullptr) {
        throw UsageError("bertscore needs the torch engine, which this build leaves out");
      }
      if (job.bertscore.encoder.empty()) throw UsageError("bertscore needs --encoder DIR");
      bertscores.push_back(std::move(spec));
      continue;
    }
    metrics.push_back({spec.label, make_text_metric(spec.name, spec.options)});
  }
  TextPairSource source = job.source;
  if (job.format == "jsonl") {
    source.format = TextFileFormat::jsonl;
  } else if (job.format == "text") {
    source.format = TextFileFormat::text;
  } else if (job.format != "detect") {
    throw UsageError("--format must be detect, jsonl or text");
  }
  const std::vector<TextPair> pairs = read_text_pairs(source);

  TextScoreOutcome outcome;
  outcome.pairs = pairs.size();
  {
    Progress progress(ProgressOptions{"score text", pairs.size(), "pairs", job.progress});
    outcome.result = score_text_pairs(metrics, pairs, job.threads, &progress);
    progress.finish();
  }
  for (const MetricSpec& spec : bertscores) {
    bertscore->append(spec, job.bertscore, pairs, outcome.result);
  }
  if (!job.out_pairs.empty()) {
    std::ostringstream out;
    write_pair_scores_jsonl(out, pairs, outcome.result);
    write_file_atomically(job.out_pairs, out.str());
  }
  return outcome;
}

}  // namespace reasonrec::eval
