#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/rating_policy.hpp"
#include "eval/rating_report.hpp"
#include "eval/sample_selection.hpp"

namespace reasonrec::eval {

struct EvalInput {
  std::string path;   // predictions.jsonl
  std::string label;  // the Method column; empty: "mode (model)" or the file name
};

// Everything `reasonrec eval` (and the experiment runner) needs to score prediction files.
struct EvalRequest {
  std::vector<EvalInput> inputs;  // one table row each, in this order
  std::string domain;
  SplitFilter split;
  SampleSelection selection;
  UnparsedPolicy policy;
  PointSource point = PointSource::Rating;
  std::size_t bootstrap_resamples = 0;
  std::size_t permutations = 1000;
  std::uint64_t seed = 0;
  double confidence = 0.95;
  // The row every other row is tested against (paired, on shared examples): a label, a path or
  // a 1-based row number; empty: the first row. With one input there is no comparison.
  std::string reference;
};

// Reads, filters, reduces to one row per example, scores, bootstraps (resampling examples) and
// compares. Throws InputError naming the file for bad input and UsageError for bad settings.
EvalReport evaluate_prediction_files(const EvalRequest& request);

}  // namespace reasonrec::eval
