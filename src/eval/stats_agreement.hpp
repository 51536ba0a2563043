#pragma once

// Agreement among raters (docs/align.md): quadratic-weighted Cohen's kappa as scikit-learn 1.2
// computes it, Pearson between raters, Krippendorff's alpha (nominal, ordinal, interval) with
// missing values, and percentile bootstrap intervals over units.

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "eval/stats_bootstrap.hpp"

namespace reasonrec::eval {

// Ratings of units (rows) by raters (columns); NaN marks a rating not given.
struct RatingMatrix {
  std::vector<std::string> raters;
  std::vector<std::vector<double>> rows;  // rows[unit][rater]
};

// sklearn.metrics.cohen_kappa_score(a, b, weights="quadratic"): the weights are the squared
// differences of the label *indices* among the sorted labels either rater used. NaN when
// undefined (one label in all).
double cohen_kappa_quadratic(const std::vector<double>& a, const std::vector<double>& b);

// Rater pairs with at least `min_common` units both rated: the mean over pairs of the quadratic
// kappa and of Pearson's r (pairs where the statistic is undefined are left out of the mean).
struct PairwiseAgreement {
  double mean_kappa = 0.0;
  double mean_pearson = 0.0;
  std::size_t pairs_kappa = 0;
  std::size_t pairs_pearson = 0;
};
PairwiseAgreement pairwise_agreement(const RatingMatrix& m, std::size_t min_common = 2);

enum class AlphaMetric { Nominal, Ordinal, Interval };

// Krippendorff's alpha from the coincidence matrix (Krippendorff 2011, "Computing
// Krippendorff's alpha-reliability"); units with fewer than two ratings are not pairable and
// are left out. NaN when there is no disagreement to expect (one value only).
double krippendorff_alpha(const RatingMatrix& m, AlphaMetric metric);

// A percentile bootstrap interval of statistic(matrix) over units drawn with replacement.
// Resamples where the statistic is NaN are left out (Interval::resamples counts the others).
Interval bootstrap_units(const RatingMatrix& m,
                         const std::function<double(const RatingMatrix&)>& statistic,
                         const BootstrapOptions& options);

}  // namespace reasonrec::eval
