#pragma once

// Rec-SAVER's scores (docs/recsaver.md, "Score"): each prediction's reasoning against its
// example's verified references, with the text metrics of `score text` (the same code, so the
// same numbers on the same pairs).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/text_score_job.hpp"
#include "util/progress.hpp"

namespace reasonrec::recsaver {

// What `recsaver score` reads of one line of references.jsonl.
struct ReferenceLine {
  std::string example_id;
  int sample = 0;
  std::string status;
  bool kept = false;
  std::string text;  // the scrubbed explanation
  std::string examples_sha256;
  std::size_t line = 0;
};

// Reads references.jsonl. InputError naming the file, the line and the field for bad JSON,
// missing or mistyped fields, and lines made from different examples files.
std::vector<ReferenceLine> read_references(const std::string& path);

struct ScoreJob {
  std::filesystem::path predictions;
  std::filesystem::path references;
  std::filesystem::path out;       // per-prediction scores (JSONL)
  std::filesystem::path summary;   // empty: NAME.summary.json beside `out`
  std::filesystem::path examples;  // optional: checked against the references' examples hash
  std::string metrics = "bleu,rouge1,meteor";
  eval::BertScoreSettings bertscore;
  unsigned threads = 1;
  bool unverified = false;       // every non-empty scrubbed explanation, kept or not
  bool skip_unknown = false;     // count predictions of examples the references lack
  std::size_t bootstrap = 1000;  // resamples for the intervals; 0: none
  std::uint64_t seed = 0;
  ProgressMode progress = ProgressMode::Auto;
};

struct ScoreResult {
  std::size_t predictions = 0;
  std::size_t scored = 0;
  nlohmann::ordered_json summary;
  std::filesystem::path summary_path;
};

// Scores every prediction that has reasoning and at least one reference; the others are
// counted and listed in the summary (never averaged in as zero) and written with their status.
// BERTScore goes through `bertscore` (null in builds without the engine). Throws UsageError
// for unknown metrics, InputError for bad files, a prediction whose example is not in the
// references (unless skip_unknown) and references made from another examples file.
ScoreResult run_score_job(const ScoreJob& job, eval::BertScoreColumns* bertscore);

// The summary as a markdown table and a few lines.
std::string format_score_summary(const nlohmann::ordered_json& summary, int digits = 4);

}  // namespace reasonrec::recsaver
