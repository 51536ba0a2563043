#include "eval/stats_agreement.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "eval/stats_tests.hpp"
#include "util/random.hpp"

namespace reasonrec::eval {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double cohen_kappa_quadratic(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> labels(a);
  labels.insert(labels.end(), b.begin(), b.end());
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  const std::size_t k = labels.size();
  if (a.size() != b.size() || a.empty()) return kNan;
  auto index = [&](double v) {
    return static_cast<std::size_t>(std::lower_bound(labels.begin(), labels.end(), v) -
                                    labels.begin());
  };
  std::vector<double> confusion(k * k, 0.0);
  std::vector<double> rows(k, 0.0);
  std::vector<double> cols(k, 0.0);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t r = index(a[i]);
    const std::size_t c = index(b[i]);
    confusion[r * k + c] += 1.0;
    rows[r] += 1.0;
    cols[c] += 1.0;
  }
  const double total = static_cast<double>(a.size());
  double observed = 0.0;
  double expected = 0.0;
  for (std::size_t r = 0; r < k; ++r) {
    for (std::size_t c = 0; c < k; ++c) {
      const double d = static_cast<double>(r) - static_cast<double>(c);
      observed += d * d * confusion[r * k + c];
      expected += d * d * cols[r] * rows[c] / total;
    }
  }
  if (expected == 0.0) return kNan;
  return 1.0 - observed / expected;
}

PairwiseAgreement pairwise_agreement(const RatingMatrix& m, std::size_t min_common) {
  PairwiseAgreement out;
  double kappa_sum = 0.0;
  double pearson_sum = 0.0;
  const std::size_t raters = m.raters.size();
  for (std::size_t r1 = 0; r1 < raters; ++r1) {
    for (std::size_t r2 = r1 + 1; r2 < raters; ++r2) {
      std::vector<double> a;
      std::vector<double> b;
      for (const auto& row : m.rows) {
        if (!std::isnan(row[r1]) && !std::isnan(row[r2])) {
          a.push_back(row[r1]);
          b.push_back(row[r2]);
        }
      }
      if (a.size() < std::max<std::size_t>(min_common, 2)) continue;
      const double kappa = cohen_kappa_quadratic(a, b);
      if (!std::isnan(kappa)) {
        kappa_sum += kappa;
        ++out.pairs_kappa;
      }
      const double r = pearson(a, b).statistic;
      if (!std::isnan(r)) {
        pearson_sum += r;
        ++out.pairs_pearson;
      }
    }
  }
  out.mean_kappa = out.pairs_kappa ? kappa_sum / static_cast<double>(out.pairs_kappa) : kNan;
  out.mean_pearson =
      out.pairs_pearson ? pearson_sum / static_cast<double>(out.pairs_pearson) : kNan;
  return out;
}

double krippendorff_alpha(const RatingMatrix& m, AlphaMetric metric) {
  std::vector<double> values;
  for (const auto& row : m.rows) {
    std::size_t rated = 0;
    for (double v : row) rated += std::isnan(v) ? 0 : 1;
    if (rated < 2) continue;
    for (double v : row) {
      if (!std::isnan(v)) values.push_back(v);
    }
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  const std::size_t k = values.size();
  if (k < 2) return kNan;
  auto index = [&](double v) {
    return static_cast<std::size_t>(std::lower_bound(values.begin(), values.end(), v) -
                                    values.begin());
  };
  // The coincidence matrix.
  std::vector<double> o(k * k, 0.0);
  std::vector<std::size_t> idx;
  for (const auto& row : m.rows) {
    idx.clear();
    for (double v : row) {
      if (!std::isnan(v)) idx.push_back(index(v));
    }
    if (idx.size() < 2) continue;
    const double w = 1.0 / static_cast<double>(idx.size() - 1);
    for (std::size_t i = 0; i < idx.size(); ++i) {
      for (std::size_t j = 0; j < idx.size(); ++j) {
        if (i != j) o[idx[i] * k + idx[j]] += w;
      }
    }
  }
  std::vector<double> marginal(k, 0.0);
  double n = 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t d = 0; d < k; ++d) marginal[c] += o[c * k + d];
    n += marginal[c];
  }
  auto delta = [&](std::size_t c, std::size_t d) {
    switch (metric) {
      case AlphaMetric::Nominal:
        return c == d ? 0.0 : 1.0;
      case AlphaMetric::Interval:
        return (values[c] - values[d]) * (values[c] - values[d]);
      case AlphaMetric::Ordinal: {
        const std::size_t lo = std::min(c, d);
        const std::size_t hi = std::max(c, d);
        double s = 0.0;
        for (std::size_t g = lo; g <= hi; ++g) s += marginal[g];
        s -= (marginal[lo] + marginal[hi]) / 2.0;
        return s * s;
      }
    }
    return 0.0;
  };
  double observed = 0.0;
  double expected = 0.0;
  for (std::size_t c = 0; c < k; ++c) {
    for (std::size_t d = 0; d < k; ++d) {
      const double dl = delta(c, d);
      observed += o[c * k + d] * dl;
      expected += marginal[c] * marginal[d] * dl;
    }
  }
  if (expected == 0.0) return kNan;
  return 1.0 - (n - 1.0) * observed / expected;
}

Interval bootstrap_units(const RatingMatrix& m,
                         const std::function<double(const RatingMatrix&)>& statistic,
                         const BootstrapOptions& options) {
  Interval out;
  if (m.rows.empty() || options.resamples == 0) return out;
  Rng rng(options.seed);
  std::vector<std::uint32_t> counts;
  std::vector<double> stats;
  RatingMatrix sample;
  sample.raters = m.raters;
  for (std::size_t b = 0; b < options.resamples; ++b) {
    draw_resample(rng, m.rows.size(), counts);
    sample.rows.clear();
    for (std::size_t i = 0; i < counts.size(); ++i) {
      for (std::uint32_t c = 0; c < counts[i]; ++c) sample.rows.push_back(m.rows[i]);
    }
    const double s = statistic(sample);
    if (!std::isnan(s)) stats.push_back(s);
  }
  out.resamples = stats.size();
  if (stats.empty()) return out;
  const double tail = (1.0 - options.confidence) / 2.0;
  out.low = quantile(stats, tail);
  out.high = quantile(std::move(stats), 1.0 - tail);
  return out;
}

}  // namespace reasonrec::eval
