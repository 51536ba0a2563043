#include "eval/stats_paired.hpp"

#include <cmath>

#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::eval {

namespace {

// |delta*| >= |delta| with a little slack, so that permutations reproducing the observed
// difference up to rounding are counted (identical methods must give p = 1).
constexpr double kTieSlack = 1e-12;

std::optional<double> difference(const std::optional<double>& x, const std::optional<double>& y) {
  if (!x || !y) return std::nullopt;
  return *x - *y;
}

}  // namespace

PairedComparison compare_paired(const std::vector<ScoredRow>& a, const std::vector<ScoredRow>& b,
                                const PairedOptions& options) {
  if (a.size() != b.size()) throw Error("paired comparison needs the same examples on both sides");
  if (a.empty()) throw Error("paired comparison of no examples");
  const std::size_t n = a.size();
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i].truth != b[i].truth) throw Error("paired rows disagree on the true rating");
  }
  // One pooled table, rows 0..n-1 from A and n..2n-1 from B: every resample or permutation is a
  // weighting of it, so the AUC orderings are sorted once.
  std::vector<ScoredRow> pooled(a);
  pooled.insert(pooled.end(), b.begin(), b.end());
  const RatingTable table(pooled);
  std::vector<std::uint32_t> weights_a(2 * n, 0), weights_b(2 * n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    weights_a[i] = 1;
    weights_b[n + i] = 1;
  }

  PairedComparison result;
  result.pairs = n;
  const auto values_a = named_values(table.evaluate(weights_a));
  const auto values_b = named_values(table.evaluate(weights_b));
  std::vector<std::optional<double>> observed;
  for (std::size_t m = 0; m < values_a.size(); ++m) {
    PairedMetric metric;
    metric.name = values_a[m].first;
    metric.a = values_a[m].second;
    metric.b = values_b[m].second;
    metric.delta = difference(metric.a, metric.b);
    observed.push_back(metric.delta);
    result.metrics.push_back(std::move(metric));
  }

  if (options.bootstrap_resamples > 0) {
    Rng rng(derive_seed(options.seed, "paired-bootstrap"));
    std::vector<std::vector<double>> deltas(result.metrics.size());
    std::vector<std::uint32_t> counts;
    for (std::size_t r = 0; r < options.bootstrap_resamples; ++r) {
      draw_resample(rng, n, counts);
      for (std::size_t i = 0; i < n; ++i) {
        weights_a[i] = counts[i];
        weights_b[n + i] = counts[i];
      }
      const auto ra = named_values(table.evaluate(weights_a));
      const auto rb = named_values(table.evaluate(weights_b));
      for (std::size_t m = 0; m < ra.size(); ++m) {
        if (auto d = difference(ra[m].second, rb[m].second)) deltas[m].push_back(*d);
      }
    }
    const double tail = (1.0 - options.confidence) / 2.0;
    for (std::size_t m = 0; m < deltas.size(); ++m) {
      if (deltas[m].empty()) continue;
      const std::size_t defined = deltas[m].size();
      result.metrics[m].delta_interval =
          Interval{quantile(deltas[m], tail), quantile(deltas[m], 1.0 - tail), defined};
    }
  }

  if (options.permutations > 0) {
    Rng rng(derive_seed(options.seed, "paired-permutation"));
    std::vector<std::size_t> extreme(result.metrics.size(), 0);
    for (std::size_t r = 0; r < options.permutations; ++r) {
      for (std::size_t i = 0; i < n; ++i) {
        const bool swap = (rng.next() >> 63) != 0;
        weights_a[i] = swap ? 0 : 1;
        weights_a[n + i] = swap ? 1 : 0;
        weights_b[i] = swap ? 1 : 0;
        weights_b[n + i] = swap ? 0 : 1;
      }
      const auto ra = named_values(table.evaluate(weights_a));
      const auto rb = named_values(table.evaluate(weights_b));
      for (std::size_t m = 0; m < ra.size(); ++m) {
        const auto d = difference(ra[m].second, rb[m].second);
        if (!d || !observed[m]) continue;
        ++result.metrics[m].permutations_defined;
        if (std::abs(*d) >= std::abs(*observed[m]) - kTieSlack) ++extreme[m];
      }
    }
    for (std::size_t m = 0; m < extreme.size(); ++m) {
      const auto defined = result.metrics[m].permutations_defined;
      if (defined == 0) continue;
      result.metrics[m].p_value =
          static_cast<double>(1 + extreme[m]) / static_cast<double>(1 + defined);
    }
  }
  return result;
}

}  // namespace reasonrec::eval
