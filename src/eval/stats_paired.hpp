#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/rating_metrics.hpp"
#include "eval/stats_bootstrap.hpp"

namespace reasonrec::eval {

struct PairedOptions {
  std::size_t bootstrap_resamples = 1000;  // 0: no interval on the difference
  std::size_t permutations = 1000;         // 0: no permutation test
  std::uint64_t seed = 0;
  double confidence = 0.95;
};

// One metric of method A against method B on the same examples.
struct PairedMetric {
  std::string name;
  std::optional<double> a;
  std::optional<double> b;
  std::optional<double> delta;             // a - b
  std::optional<Interval> delta_interval;  // paired percentile bootstrap
  std::optional<double> p_value;           // two-sided paired permutation test
  std::size_t permutations_defined = 0;    // permutations in which the metric was defined
};

struct PairedComparison {
  std::size_t pairs = 0;
  std::vector<PairedMetric> metrics;  // in metric_names() order
};

// Paired tests between two methods scored on the same examples (a[i] and b[i] share the example
// and its truth; Error otherwise).
//  - Bootstrap: resample examples with replacement, the same draw for both methods; percentile
//    interval of the difference a - b.
//  - Permutation (approximate randomisation): under the null the two methods are exchangeable
//    on each example, so swap a[i] and b[i] with probability 1/2 independently;
//    p = (1 + #{|delta*| >= |delta|}) / (1 + permutations).
PairedComparison compare_paired(const std::vector<ScoredRow>& a, const std::vector<ScoredRow>& b,
                                const PairedOptions& options);

}  // namespace reasonrec::eval
