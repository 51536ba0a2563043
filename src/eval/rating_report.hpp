#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/rating_metrics.hpp"
#include "eval/rating_policy.hpp"
#include "eval/stats_bootstrap.hpp"
#include "eval/stats_paired.hpp"

namespace reasonrec::eval {

// The rating metrics of one prediction file.
struct MethodResult {
  std::string label;             // the "Method" column
  std::string source;            // the file it came from
  std::size_t lines = 0;         // predictions in the file
  std::size_t other_splits = 0;  // of which left out by the split filter
  std::string selection;         // how each example's samples became one row
  std::size_t total = 0;         // examples (one row each) before the unparsed policy
  std::size_t unparsed = 0;
  RatingMetrics metrics;
  std::map<std::string, Interval> intervals;  // empty without bootstrap
};

// A paired comparison of one method (A) against the reference method (B).
struct ComparisonResult {
  std::size_t method = 0;     // index into EvalReport::methods
  std::size_t reference = 0;  // index into EvalReport::methods
  std::size_t only_in_a = 0;
  std::size_t only_in_b = 0;
  std::size_t excluded_unparsed = 0;
  std::size_t bootstrap_resamples = 0;
  std::size_t permutations = 0;
  PairedComparison paired;
};

struct EvalReport {
  std::string domain;          // the "Domain" column; may be empty
  std::string split = "test";  // which examples were scored: test, train or all
  UnparsedPolicy policy;
  PointSource point = PointSource::Rating;
  std::size_t bootstrap_resamples = 0;  // 0: no intervals
  std::uint64_t seed = 0;
  double confidence = 0.95;
  std::vector<MethodResult> methods;
  std::vector<ComparisonResult> comparisons;  // every other method against the reference
};

// Markdown in the layout of the paper's Table 3 (Domain | Method | Bin Acc | Bin F1 |
// Multi Acc | MAE | RMSE), then the other rating metrics, the unparsed count, the policy, each
// method's confusion matrix and the paired comparisons against the reference row.
std::string render_markdown(const EvalReport& report, int digits = 3);
nlohmann::ordered_json report_to_json(const EvalReport& report);

}  // namespace reasonrec::eval
