// Agreement and alignment statistics against SciPy 1.10 / scikit-learn 1.2 (Debian's
// /usr/bin/python3) to 1e-9, Krippendorff's alpha against his own worked example, and
// `reasonrec align` end to end, on synthetic data and on the real multi-annotator data of
// ../shared/data/human_judgments_rec_explanations.

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/stats_agreement.hpp"
#include "eval/stats_tests.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "util/random.hpp"

namespace reasonrec::eval {
namespace {

using nlohmann::json;
using test::run_python;
using test::run_reasonrec;
using test::scratch_dir;

constexpr double kTol = 1e-9;
const double kNan = std::numeric_limits<double>::quiet_NaN();

void expect_close(const json& expected, double actual, const std::string& what) {
  if (expected.is_null()) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": expected nan, got " << actual;
    return;
  }
  EXPECT_NEAR(actual, expected.get<double>(), kTol) << what;
}

// The reference: every statistic of every case, computed by SciPy / scikit-learn.
constexpr const char* kReferenceScript = R"PY(
import json, math, sys
import numpy as np, scipy, sklearn
from scipy import stats
from sklearn.metrics import cohen_kappa_score
assert scipy.__version__.startswith("1.10"), scipy.__version__
assert sklearn.__version__.startswith("1.2"), sklearn.__version__
def f(v):
    v = float(v)
    return None if math.isnan(v) else v
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    x, y = np.array(c["x"], float), np.array(c["y"], float)
    r = {}
    if c["kind"] == "corr":
        p = stats.pearsonr(x, y); s = stats.spearmanr(x, y); k = stats.kendalltau(x, y)
        r = {"pearson": [f(p[0]), f(p[1])], "spearman": [f(s[0]), f(s[1])],
             "kendall": [f(k[0]), f(k[1])]}
    elif c["kind"] == "kappa":
        r = {"kappa": f(cohen_kappa_score(x.astype(int), y.astype(int), weights="quadratic"))}
    elif c["kind"] == "ttest":
        s = stats.ttest_ind(x, y, equal_var=True); w = stats.ttest_ind(x, y, equal_var=False)
        r = {"student": [f(s[0]), f(s[1])], "welch": [f(w[0]), f(w[1])]}
    out.append(r)
print(json.dumps(out))
)PY";

std::vector<double> uniform_values(Rng& rng, std::size_t n) {
  std::vector<double> v(n);
  for (auto& x : v) x = rng.uniform();
  return v;
}

std::vector<double> ratings(Rng& rng, std::size_t n, int lo = 1, int hi = 5) {
  std::vector<double> v(n);
  for (auto& x : v) x = static_cast<double>(lo + static_cast<int>(rng.below(hi - lo + 1)));
  return v;
}

// y = x + noise, rounded to 1..5: correlated ratings.
std::vector<double> noisy(Rng& rng, const std::vector<double>& x, int spread) {
  std::vector<double> v(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double d = static_cast<double>(static_cast<int>(rng.below(2 * spread + 1)) - spread);
    v[i] = std::clamp(x[i] + d, 1.0, 5.0);
  }
  return v;
}

TEST(AlignStats, MatchScipyAndSklearn) {
  Rng rng(7);
  json cases = json::array();
  auto add = [&](const char* kind, const std::vector<double>& x, const std::vector<double>& y) {
    cases.push_back({{"kind", kind}, {"x", x}, {"y", y}});
  };
  // Correlations: no ties (Kendall's exact null distribution up to n = 33, the normal
  // approximation above), ties (integers, means of three ratings), a perfect ranking.
  for (std::size_t n : {3u, 5u, 10u, 20u, 33u, 34u, 60u, 250u}) {
    const auto x = uniform_values(rng, n);
    auto y = uniform_values(rng, n);
    for (std::size_t i = 0; i < n; ++i) y[i] = 0.6 * x[i] + 0.4 * y[i];
    add("corr", x, y);
    add("corr", x, uniform_values(rng, n));
  }
  for (std::size_t n : {8u, 30u, 100u, 400u}) {
    const auto a = ratings(rng, n);
    add("corr", a, noisy(rng, a, 1));
    std::vector<double> mean3(n);
    const auto b = noisy(rng, a, 2);
    const auto c = noisy(rng, a, 1);
    for (std::size_t i = 0; i < n; ++i) mean3[i] = (a[i] + b[i] + c[i]) / 3.0;
    add("corr", uniform_values(rng, n), mean3);
  }
  {
    std::vector<double> x{1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                          14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26,
                          27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38};
    std::vector<double> y(x);
    std::swap(y[3], y[4]);  // one discordant pair, n > 33: still exact
    add("corr", x, y);
  }
  add("corr", {1, 2}, {3, 1});
  add("corr", {1, 2, 3, 4}, {2, 2, 2, 2});  // constant: undefined
  // Quadratic kappa: correlated raters, raters using only some labels, perfect agreement.
  for (std::size_t n : {10u, 50u, 100u, 300u}) {
    const auto a = ratings(rng, n);
    add("kappa", a, noisy(rng, a, 1));
    add("kappa", a, ratings(rng, n));
  }
  add("kappa", {1, 3, 5, 3, 1, 5}, {1, 5, 5, 3, 3, 5});
  add("kappa", {2, 4, 4, 2}, {2, 4, 4, 2});
  add("kappa", {3, 3, 3}, {3, 3, 3});  // one label: undefined
  // Two-sample t-tests, equal and unequal sizes and variances.
  for (auto [n1, n2] : std::vector<std::pair<std::size_t, std::size_t>>{
           {2, 2}, {5, 9}, {30, 12}, {100, 80}, {17, 400}}) {
    auto a = uniform_values(rng, n1);
    auto b = uniform_values(rng, n2);
    for (auto& v : b) v = 0.1 + 2.0 * v;
    add("ttest", a, b);
  }
  add("ttest", ratings(rng, 40), ratings(rng, 25));

  const auto dir = scratch_dir();
  const auto path = (dir / "cases.json").string();
  std::ofstream(path) << cases.dump();
  const auto r = run_python(kReferenceScript, {path});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json expected = json::parse(r.out);
  ASSERT_EQ(expected.size(), cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto x = cases[i]["x"].get<std::vector<double>>();
    const auto y = cases[i]["y"].get<std::vector<double>>();
    const std::string kind = cases[i]["kind"];
    const std::string what = kind + " case " + std::to_string(i) + " n=" + std::to_string(x.size());
    const json& e = expected[i];
    if (kind == "corr") {
      const Correlation p = pearson(x, y);
      const Correlation s = spearman(x, y);
      const Correlation k = kendall_tau_b(x, y);
      expect_close(e["pearson"][0], p.statistic, what + " pearson r");
      expect_close(e["pearson"][1], p.p_value, what + " pearson p");
      expect_close(e["spearman"][0], s.statistic, what + " spearman r");
      expect_close(e["spearman"][1], s.p_value, what + " spearman p");
      expect_close(e["kendall"][0], k.statistic, what + " kendall tau");
      expect_close(e["kendall"][1], k.p_value, what + " kendall p");
    } else if (kind == "kappa") {
      expect_close(e["kappa"], cohen_kappa_quadratic(x, y), what + " kappa");
    } else {
      const TTest s = two_sample_t_test(x, y, true);
      const TTest w = two_sample_t_test(x, y, false);
      expect_close(e["student"][0], s.statistic, what + " student t");
      expect_close(e["student"][1], s.p_value, what + " student p");
      expect_close(e["welch"][0], w.statistic, what + " welch t");
      expect_close(e["welch"][1], w.p_value, what + " welch p");
    }
  }
}

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
// twelve units, missing data. The published values are alpha = 0.743 (nominal), 0.815
// (ordinal) and 0.849 (interval), to three decimals.
TEST(AlignStats, KrippendorffWorkedExample) {
  const double m = kNan;
  RatingMatrix data;
  data.raters = {"A", "B", "C", "D"};
  const std::vector<std::vector<double>> by_observer = {
      {1, 2, 3, 3, 2, 1, 4, 1, 2, m, m, m},
      {1, 2, 3, 3, 2, 2, 4, 1, 2, 5, m, 3},
      {m, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, m},
      {1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, m},
  };
  for (std::size_t u = 0; u < 12; ++u) {
    data.rows.push_back(
        {by_observer[0][u], by_observer[1][u], by_observer[2][u], by_observer[3][u]});
  }
  EXPECT_NEAR(krippendorff_alpha(data, AlphaMetric::Nominal), 0.743, 5e-4);
  EXPECT_NEAR(krippendorff_alpha(data, AlphaMetric::Ordinal), 0.815, 5e-4);
  EXPECT_NEAR(krippendorff_alpha(data, AlphaMetric::Interval), 0.849, 5e-4);
  // A unit with one rating is not pairable: adding one changes nothing.
  RatingMatrix more = data;
  more.rows.push_back({5, m, m, m});
  EXPECT_DOUBLE_EQ(krippendorff_alpha(more, AlphaMetric::Interval),
                   krippendorff_alpha(data, AlphaMetric::Interval));
  // Perfect agreement.
  RatingMatrix perfect;
  perfect.raters = {"a", "b"};
  perfect.rows = {{1, 1}, {2, 2}, {5, 5}};
  EXPECT_DOUBLE_EQ(krippendorff_alpha(perfect, AlphaMetric::Ordinal), 1.0);
}

TEST(AlignStats, BootstrapIsDeterministicAndBracketsTheValue) {
  Rng rng(3);
  RatingMatrix m;
  m.raters = {"a", "b", "c"};
  for (int i = 0; i < 80; ++i) {
    const double v = static_cast<double>(1 + rng.below(5));
    m.rows.push_back({v, std::clamp(v + static_cast<double>(rng.below(3)) - 1.0, 1.0, 5.0),
                      static_cast<double>(1 + rng.below(5))});
  }
  BootstrapOptions options;
  options.resamples = 300;
  options.seed = 11;
  auto alpha = [](const RatingMatrix& x) { return krippendorff_alpha(x, AlphaMetric::Interval); };
  const Interval a = bootstrap_units(m, alpha, options);
  const Interval b = bootstrap_units(m, alpha, options);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  EXPECT_EQ(a.resamples, 300u);
  const double value = alpha(m);
  EXPECT_LT(a.low, value);
  EXPECT_GT(a.high, value);
}

}  // namespace
}  // namespace reasonrec::eval
