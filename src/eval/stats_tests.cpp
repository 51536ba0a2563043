#include "eval/stats_tests.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// Lentz's continued fraction for I_x(a, b) (converges fast for x < (a + 1) / (a + b + 2)).
double beta_continued_fraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  constexpr double kEps = 1e-16;
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 100000; ++m) {
    const double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1.0 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return h;
}

double mean_of(const std::vector<double>& v) {
  double s = 0.0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

void require_same_size(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size()) throw Error("correlation of vectors of different lengths");
}

// scipy.stats.mstats_basic._kendall_p_exact, two-sided.
double kendall_p_exact(std::size_t n, long long c) {
  const long long tot = static_cast<long long>(n * (n - 1) / 2);
  c = std::min(c, tot - c);
  auto factorial = [](std::size_t k) {
    double f = 1.0;
    for (std::size_t i = 2; i <= k; ++i) f *= static_cast<double>(i);
    return f;
  };
  if (n <= 2) return 1.0;
  if (c == 0) return n < 171 ? 2.0 / factorial(n) : 0.0;
  if (c == 1) return n < 172 ? 2.0 / factorial(n - 1) : 0.0;
  if (4 * c == static_cast<long long>(n * (n - 1))) return 1.0;
  std::vector<double> next(static_cast<std::size_t>(c) + 1, 0.0);
  next[0] = 1.0;
  next[1] = 1.0;
  for (std::size_t j = 3; j <= n; ++j) {
    std::partial_sum(next.begin(), next.end(), next.begin());
    if (static_cast<long long>(j) <= c) {
      std::vector<double> shifted(next);
      for (std::size_t i = j; i < next.size(); ++i) next[i] -= shifted[i - j];
    }
  }
  double sum = 0.0;
  for (double v : next) sum += v;
  return 2.0 * sum / factorial(n);
}

}  // namespace

double incomplete_beta(double a, double b, double x) {
  if (std::isnan(x) || a <= 0.0 || b <= 0.0) return kNan;
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  const double log_front =
      std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
  const double front = std::exp(log_front);
  if (x < (a + 1.0) / (a + b + 2.0)) return front * beta_continued_fraction(a, b, x) / a;
  return 1.0 - front * beta_continued_fraction(b, a, 1.0 - x) / b;
}

double student_t_sf(double t, double df) {
  if (std::isnan(t) || std::isnan(df) || df <= 0.0) return kNan;
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  const double tail = 0.5 * incomplete_beta(0.5 * df, 0.5, df / (df + t * t));
  return t >= 0.0 ? tail : 1.0 - tail;
}

double normal_sf(double z) {
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

double mean(const std::vector<double>& values) {
  if (values.empty()) return kNan;
  return mean_of(values);
}

double sample_variance(const std::vector<double>& values) {
  if (values.size() < 2) return kNan;
  const double m = mean_of(values);
  double s = 0.0;
  for (double v : values) s += (v - m) * (v - m);
  return s / static_cast<double>(values.size() - 1);
}

Correlation pearson(const std::vector<double>& x, const std::vector<double>& y) {
  require_same_size(x, y);
  Correlation out;
  out.n = x.size();
  if (x.size() < 2) return {kNan, kNan, x.size()};
  if (x.size() == 2) {
    const auto sign = [](double v) { return static_cast<double>((v > 0) - (v < 0)); };
    out.statistic = sign(x[1] - x[0]) * sign(y[1] - y[0]);
    out.p_value = 1.0;
    return out;
  }
  const double mx = mean_of(x);
  const double my = mean_of(y);
  double sxx = 0.0;
  double syy = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  const double nx = std::sqrt(sxx);
  const double ny = std::sqrt(syy);
  if (nx == 0.0 || ny == 0.0) return {kNan, kNan, x.size()};
  double r = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) r += ((x[i] - mx) / nx) * ((y[i] - my) / ny);
  r = std::clamp(r, -1.0, 1.0);
  const double ab = static_cast<double>(x.size()) / 2.0 - 1.0;
  out.statistic = r;
  out.p_value = 2.0 * incomplete_beta(ab, ab, (1.0 - std::fabs(r)) / 2.0);
  return out;
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  std::size_t i = 0;
  while (i < order.size()) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = (static_cast<double>(i + 1) + static_cast<double>(j + 1)) / 2.0;
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

Correlation spearman(const std::vector<double>& x, const std::vector<double>& y) {
  require_same_size(x, y);
  if (x.size() < 2) return {kNan, kNan, x.size()};
  // numpy.corrcoef of the ranks, step by step as numpy does it (cov scaled by 1/(n-1), then
  // divided by each standard deviation in turn, then clipped), so that a perfect ranking gives
  // exactly +-1 and p = 0 as in SciPy.
  const std::vector<double> rx = average_ranks(x);
  const std::vector<double> ry = average_ranks(y);
  const double mx = mean_of(rx);
  const double my = mean_of(ry);
  double sxx = 0.0;
  double syy = 0.0;
  double sxy = 0.0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
    sxy += (rx[i] - mx) * (ry[i] - my);
  }
  const double fact = 1.0 / (static_cast<double>(x.size()) - 1.0);
  Correlation out;
  out.n = x.size();
  out.statistic = std::clamp(sxy * fact / std::sqrt(sxx * fact) / std::sqrt(syy * fact), -1.0, 1.0);
  if (std::isnan(out.statistic)) return {kNan, kNan, x.size()};
  const double dof = static_cast<double>(x.size()) - 2.0;
  const double rs = out.statistic;
  const double t = rs * std::sqrt(dof / ((rs + 1.0) * (1.0 - rs)));
  out.p_value = 2.0 * student_t_sf(std::fabs(t), dof);
  return out;
}

Correlation kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y) {
  require_same_size(x, y);
  const std::size_t n = x.size();
  if (n < 2) return {kNan, kNan, n};
  long long concordant_minus_discordant = 0;
  long long discordant = 0;
  long long ties_x = 0;  // pairs tied in x (joint ties included)
  long long ties_y = 0;
  long long ties_joint = 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const int sx = (x[j] > x[i]) - (x[j] < x[i]);
      const int sy = (y[j] > y[i]) - (y[j] < y[i]);
      if (sx == 0) ++ties_x;
      if (sy == 0) ++ties_y;
      if (sx == 0 && sy == 0) ++ties_joint;
      concordant_minus_discordant += sx * sy;
      if (sx * sy < 0) ++discordant;
    }
  }
  const long long tot = static_cast<long long>(n * (n - 1) / 2);
  if (ties_x == tot || ties_y == tot) return {kNan, kNan, n};
  Correlation out;
  out.n = n;
  const double cmd = static_cast<double>(concordant_minus_discordant);
  out.statistic = std::clamp(cmd / std::sqrt(static_cast<double>(tot - ties_x)) /
                                 std::sqrt(static_cast<double>(tot - ties_y)),
                             -1.0, 1.0);
  const bool exact =
      ties_x == 0 && ties_y == 0 && (n <= 33 || std::min(discordant, tot - discordant) <= 1);
  if (exact) {
    out.p_value = kendall_p_exact(n, tot - discordant);
    return out;
  }
  // The tie sums of scipy's count_rank_tie.
  auto tie_sums = [](const std::vector<double>& v, double& t0, double& t1) {
    std::vector<double> sorted(v);
    std::sort(sorted.begin(), sorted.end());
    t0 = 0.0;
    t1 = 0.0;
    std::size_t i = 0;
    while (i < sorted.size()) {
      std::size_t j = i;
      while (j < sorted.size() && sorted[j] == sorted[i]) ++j;
      const double c = static_cast<double>(j - i);
      t0 += c * (c - 1.0) * (c - 2.0);
      t1 += c * (c - 1.0) * (2.0 * c + 5.0);
      i = j;
    }
  };
  double x0 = 0.0;
  double x1 = 0.0;
  double y0 = 0.0;
  double y1 = 0.0;
  tie_sums(x, x0, x1);
  tie_sums(y, y0, y1);
  const double size = static_cast<double>(n);
  const double m = size * (size - 1.0);
  const double var = (m * (2.0 * size + 5.0) - x1 - y1) / 18.0 +
                     (2.0 * static_cast<double>(ties_x) * static_cast<double>(ties_y)) / m +
                     x0 * y0 / (9.0 * m * (size - 2.0));
  const double z = cmd / std::sqrt(var);
  out.p_value = 2.0 * normal_sf(std::fabs(z));
  (void)ties_joint;
  return out;
}

TTest two_sample_t_test(const std::vector<double>& a, const std::vector<double>& b,
                        bool equal_var) {
  TTest out;
  const double n1 = static_cast<double>(a.size());
  const double n2 = static_cast<double>(b.size());
  if (a.size() < 2 || b.size() < 2) return {kNan, kNan, kNan};
  const double v1 = sample_variance(a);
  const double v2 = sample_variance(b);
  double denom = 0.0;
  if (equal_var) {
    out.df = n1 + n2 - 2.0;
    const double svar = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / out.df;
    denom = std::sqrt(svar * (1.0 / n1 + 1.0 / n2));
  } else {
    const double vn1 = v1 / n1;
    const double vn2 = v2 / n2;
    out.df = (vn1 + vn2) * (vn1 + vn2) / (vn1 * vn1 / (n1 - 1.0) + vn2 * vn2 / (n2 - 1.0));
    if (std::isnan(out.df)) out.df = 1.0;
    denom = std::sqrt(vn1 + vn2);
  }
  out.statistic = (mean_of(a) - mean_of(b)) / denom;
  out.p_value =
      std::isnan(out.statistic) ? kNan : 2.0 * student_t_sf(std::fabs(out.statistic), out.df);
  return out;
}

}  // namespace reasonrec::eval
