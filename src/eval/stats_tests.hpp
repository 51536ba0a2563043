#pragma once

// Correlations and two-sample tests computed as SciPy 1.10 computes them (scipy.stats.pearsonr,
// spearmanr, kendalltau with method='auto', ttest_ind), so that the numbers match to ~1e-12.

#include <cstddef>
#include <vector>

namespace reasonrec::eval {

// The regularised incomplete beta function I_x(a, b), a, b > 0, 0 <= x <= 1 (continued fraction,
// relative accuracy about 1e-15).
double incomplete_beta(double a, double b, double x);

// Student's t survival function P(T > t) with df > 0 degrees of freedom (df may be fractional).
double student_t_sf(double t, double df);

// Standard normal survival function P(Z > z).
double normal_sf(double z);

struct Correlation {
  double statistic = 0.0;  // NaN when undefined (a constant input, fewer than 2 pairs)
  double p_value = 0.0;    // two-sided; NaN when undefined
  std::size_t n = 0;
};

// scipy.stats.pearsonr: p from the exact beta distribution of r under independence.
Correlation pearson(const std::vector<double>& x, const std::vector<double>& y);
// scipy.stats.spearmanr: Pearson of average ranks; p from Student's t with n - 2 df.
Correlation spearman(const std::vector<double>& x, const std::vector<double>& y);
// scipy.stats.kendalltau (tau-b, method='auto'): the exact null distribution without ties when
// n <= 33 (or when at most one pair is discordant, or concordant), else the normal
// approximation with the tie-corrected variance.
Correlation kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);

// Average ranks (1-based; ties get the mean of their ranks), scipy.stats.rankdata's default.
std::vector<double> average_ranks(const std::vector<double>& values);

struct TTest {
  double statistic = 0.0;
  double df = 0.0;
  double p_value = 0.0;  // two-sided; NaN when undefined
};

// scipy.stats.ttest_ind(a, b, equal_var=...): Student's pooled-variance test or Welch's.
TTest two_sample_t_test(const std::vector<double>& a, const std::vector<double>& b, bool equal_var);

double mean(const std::vector<double>& values);
// Sample variance (ddof = 1).
double sample_variance(const std::vector<double>& values);

}  // namespace reasonrec::eval
