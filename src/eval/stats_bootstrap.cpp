#include "eval/stats_bootstrap.hpp"

#include <algorithm>
#include <cmath>

#include "util/error.hpp"

namespace reasonrec::eval {

double quantile(std::vector<double> values, double q) {
  if (values.empty()) throw Error("quantile of no values");
  if (!(q >= 0.0 && q <= 1.0)) throw Error("quantile must lie in [0, 1]");
  std::sort(values.begin(), values.end());
  const double h = q * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (h - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

namespace {

// Uniform integer in [0, bound), 0 < bound < 2^32, by Lemire's multiply-shift with rejection on
// the top 32 bits of each draw: exact like Rng::below, without its 64-bit division per draw (the
// bootstrap makes n draws per resample).
std::uint32_t uniform_below(Rng& rng, std::uint32_t bound) {
  const std::uint32_t threshold = (0u - bound) % bound;  // 2^32 mod bound
  while (true) {
    const std::uint64_t product = (rng.next() >> 32) * std::uint64_t{bound};
    if (static_cast<std::uint32_t>(product) >= threshold) {
      return static_cast<std::uint32_t>(product >> 32);
    }
  }
}

}  // namespace

void draw_resample(Rng& rng, std::size_t n, std::vector<std::uint32_t>& counts) {
  if (n > UINT32_MAX) throw Error("bootstrap of more than 2^32 - 1 rows");
  counts.assign(n, 0);
  const auto bound = static_cast<std::uint32_t>(n);
  for (std::size_t k = 0; k < n; ++k) ++counts[uniform_below(rng, bound)];
}

std::map<std::string, Interval> bootstrap_intervals(const RatingTable& table,
                                                    const BootstrapOptions& options) {
  if (table.size() == 0) throw Error("bootstrap of no predictions");
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    throw Error("confidence must lie in (0, 1)");
  }
  std::map<std::string, std::vector<double>> samples;
  Rng rng(derive_seed(options.seed, "bootstrap"));
  std::vector<std::uint32_t> counts;
  for (std::size_t r = 0; r < options.resamples; ++r) {
    draw_resample(rng, table.size(), counts);
    for (const auto& [name, value] : named_values(table.evaluate(counts))) {
      if (value) samples[name].push_back(*value);
    }
  }
  const double tail = (1.0 - options.confidence) / 2.0;
  std::map<std::string, Interval> intervals;
  for (auto& [name, values] : samples) {
    const std::size_t defined = values.size();
    intervals[name] = {quantile(values, tail), quantile(std::move(values), 1.0 - tail), defined};
  }
  return intervals;
}

}  // namespace reasonrec::eval
