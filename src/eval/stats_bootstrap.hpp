#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eval/rating_metrics.hpp"
#include "util/random.hpp"

namespace reasonrec::eval {

// A two-sided percentile confidence interval.
struct Interval {
  double low = 0.0;
  double high = 0.0;
  std::size_t resamples = 0;  // resamples in which the statistic was defined
};

struct BootstrapOptions {
  std::size_t resamples = 1000;
  std::uint64_t seed = 0;
  double confidence = 0.95;
};

// The q-quantile (0 <= q <= 1) of values by linear interpolation between order statistics,
// numpy.percentile's default ("linear") method. Sorts its argument; throws on empty input.
double quantile(std::vector<double> values, double q);

// One bootstrap resample of n rows as multiplicities: counts[i] = how often row i was drawn in
// n uniform draws with replacement. `counts` is resized to n.
void draw_resample(Rng& rng, std::size_t n, std::vector<std::uint32_t>& counts);

// Percentile bootstrap intervals of every metric of `table` (by the names of metric_names()).
// Metrics undefined in some resample (AUC without both classes) use the resamples where they are
// defined; a metric defined in no resample has no entry. Deterministic for a given seed.
std::map<std::string, Interval> bootstrap_intervals(const RatingTable& table,
                                                    const BootstrapOptions& options);

}  // namespace reasonrec::eval
