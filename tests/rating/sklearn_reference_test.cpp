// Every rating metric against scikit-learn (Debian's python3-sklearn) on randomized inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include <fmt/format.h>

#include "eval/rating_metrics.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::test {
namespace {

using eval::RatingMetrics;
using eval::RatingTable;
using eval::ScoredRow;

// Reads one CSV per trial (truth, predicted, point, p1..p5) and prints sklearn's numbers as JSON;
// a metric sklearn refuses (ValueError: one class only) is null.
constexpr const char* kSklearnScript = R"PY(
import json, sys, warnings
import numpy as np
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, mean_absolute_error,
                             mean_squared_error, roc_auc_score)
warnings.simplefilter("ignore")
def guarded(f):
    try:
        return float(f())
    except ValueError:
        return None
out = []
for path in sys.argv[1:]:
    d = np.loadtxt(path, delimiter=",", ndmin=2)
    t, p, point, probs = d[:, 0].astype(int), d[:, 1].astype(int), d[:, 2], d[:, 3:8]
    out.append({
        "binary_accuracy": accuracy_score(t > 3, p > 3),
        "binary_f1": f1_score(t > 3, p > 3),
        "accuracy": accuracy_score(t, p),
        "macro_f1": f1_score(t, p, average="macro"),
        "mae": mean_absolute_error(t, point),
        "rmse": mean_squared_error(t, point, squared=False),
        "binary_auc": guarded(lambda: roc_auc_score(t > 3, probs[:, 3] + probs[:, 4])),
        "ovr_auc": guarded(lambda: roc_auc_score(t, probs, multi_class="ovr", average="macro")),
        "confusion": confusion_matrix(t, p, labels=[1, 2, 3, 4, 5]).tolist(),
    })
print(json.dumps(out))
)PY";

struct Trial {
  std::vector<ScoredRow> rows;
};

// Random rows with deliberately many tied probabilities (small integer weights normalised),
// skewed or missing classes, and predictions correlated with the truth.
Trial make_trial(std::uint64_t seed, std::size_t n, bool continuous_point) {
  Rng rng(seed);
  Trial trial;
  // Class weights of the truth: some classes may be absent entirely.
  std::array<std::uint64_t, 5> class_weight{};
  for (auto& w : class_weight) w = rng.below(4) + (rng.below(3) != 0 ? 1 : 0);
  if (std::accumulate(class_weight.begin(), class_weight.end(), std::uint64_t{0}) == 0) {
    class_weight[4] = 1;
  }
  const std::uint64_t total = std::accumulate(class_weight.begin(), class_weight.end(), 0ull);
  const std::uint64_t grid = 1 + rng.below(6);  // coarse grid: many exact ties
  for (std::size_t i = 0; i < n; ++i) {
    ScoredRow row;
    std::uint64_t pick = rng.below(total);
    int truth = 1;
    while (pick >= class_weight[static_cast<std::size_t>(truth - 1)]) {
      pick -= class_weight[static_cast<std::size_t>(truth - 1)];
      ++truth;
    }
    row.truth = truth;
    eval::ClassProbabilities probs{};
    std::array<std::uint64_t, 5> k{};
    std::uint64_t sum = 0;
    for (std::size_t c = 0; c < 5; ++c) {
      k[c] = rng.below(grid + 1) + (static_cast<int>(c) + 1 == truth ? rng.below(grid + 1) : 0);
      sum += k[c];
    }
    if (sum == 0) {
      k[2] = 1;
      sum = 1;
    }
    for (std::size_t c = 0; c < 5; ++c) {
      probs[c] = static_cast<double>(k[c]) / static_cast<double>(sum);
    }
    row.probabilities = probs;
    row.predicted = rng.below(3) == 0 ? truth : static_cast<int>(rng.below(5)) + 1;
    row.point = continuous_point ? 1.0 + 4.0 * rng.uniform() : row.predicted;
    trial.rows.push_back(row);
  }
  return trial;
}

void write_trial(const Trial& trial, const std::filesystem::path& path) {
  std::ofstream out(path);
  for (const auto& r : trial.rows) {
    out << fmt::format("{},{},{:.17g}", r.truth, r.predicted, r.point);
    for (double p : *r.probabilities) out << fmt::format(",{:.17g}", p);
    out << "\n";
  }
}

void expect_close(const std::optional<double>& ours, const nlohmann::json& theirs,
                  const std::string& what) {
  if (theirs.is_null()) {
    EXPECT_FALSE(ours.has_value()) << what << ": sklearn refuses, we gave " << *ours;
    return;
  }
  ASSERT_TRUE(ours.has_value()) << what << ": sklearn gives " << theirs.get<double>();
  EXPECT_NEAR(*ours, theirs.get<double>(), 1e-9) << what;
}

TEST(SklearnReference, EveryMetricMatchesOnRandomizedInputs) {
  const auto dir = scratch_dir();
  std::vector<Trial> trials;
  std::vector<std::string> args;
  const std::vector<std::size_t> sizes{1, 2, 3, 5, 8, 13, 40, 97, 250, 600, 1500, 3000};
  for (std::uint64_t seed = 0; seed < 48; ++seed) {
    trials.push_back(make_trial(seed + 1000, sizes[seed % sizes.size()], seed % 2 == 1));
    const auto path = dir / fmt::format("trial{}.csv", seed);
    write_trial(trials.back(), path);
    args.push_back(path.string());
  }
  const auto r = run_python(kSklearnScript, args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto expected = nlohmann::json::parse(r.out);
  ASSERT_EQ(expected.size(), trials.size());

  int auc_checked = 0, ovr_checked = 0;
  for (std::size_t t = 0; t < trials.size(); ++t) {
    const RatingMetrics m = RatingTable(trials[t].rows).evaluate();
    const auto& e = expected[t];
    const std::string trial = "trial " + std::to_string(t) + " ";
    for (const auto& [name, value] : eval::named_values(m)) {
      expect_close(value, e[name], trial + name);
    }
    for (int truth = 1; truth <= 5; ++truth) {
      for (int pred = 1; pred <= 5; ++pred) {
        EXPECT_EQ(m.confusion.at(truth, pred),
                  e["confusion"][truth - 1][pred - 1].get<std::uint64_t>())
            << trial << "confusion " << truth << "," << pred;
      }
    }
    auc_checked += m.binary_auc.has_value();
    ovr_checked += m.ovr_auc.has_value();
  }
  // The randomized trials must exercise both the defined and the undefined AUC cases.
  EXPECT_GT(auc_checked, 10);
  EXPECT_GT(ovr_checked, 5);
  EXPECT_LT(ovr_checked, static_cast<int>(trials.size()));
}

TEST(SklearnReference, WeightedEvaluationEqualsRepeatingRows) {
  const Trial trial = make_trial(77, 300, true);
  Rng rng(5);
  std::vector<std::uint32_t> weights(trial.rows.size());
  std::vector<ScoredRow> expanded;
  for (std::size_t i = 0; i < trial.rows.size(); ++i) {
    weights[i] = static_cast<std::uint32_t>(rng.below(4));
    for (std::uint32_t k = 0; k < weights[i]; ++k) expanded.push_back(trial.rows[i]);
  }
  const auto weighted = RatingTable(trial.rows).evaluate(weights);
  const auto repeated = RatingTable(expanded).evaluate();
  EXPECT_EQ(weighted.count, expanded.size());
  const auto a = eval::named_values(weighted);
  const auto b = eval::named_values(repeated);
  for (std::size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].second.has_value(), b[k].second.has_value()) << a[k].first;
    if (a[k].second) {
      EXPECT_NEAR(*a[k].second, *b[k].second, 1e-12) << a[k].first;
    }
  }
}

TEST(RatingTable, NoProbabilitiesMeansNoAuc) {
  std::vector<ScoredRow> rows{{1, 1, 1.0, std::nullopt}, {5, 4, 4.0, std::nullopt}};
  const auto m = RatingTable(rows).evaluate();
  EXPECT_FALSE(m.binary_auc.has_value());
  EXPECT_FALSE(m.ovr_auc.has_value());
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(m.binary_accuracy, 1.0);
}

TEST(RatingTable, EmptyOrZeroWeightIsAnError) {
  EXPECT_THROW(RatingTable({}).evaluate(), Error);
  std::vector<ScoredRow> rows{{1, 1, 1.0, std::nullopt}};
  const std::vector<std::uint32_t> zero{0};
  EXPECT_THROW(RatingTable(rows).evaluate(zero), Error);
  EXPECT_THROW(RatingTable({{0, 1, 1.0, std::nullopt}}), Error);
}

}  // namespace
}  // namespace reasonrec::test
