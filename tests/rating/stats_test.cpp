#include <gtest/gtest.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "eval/rating_pairing.hpp"
#include "eval/stats_bootstrap.hpp"
#include "eval/stats_paired.hpp"
#include "support/run.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::test {
namespace {

using eval::ScoredRow;

std::vector<ScoredRow> random_rows(std::uint64_t seed, std::size_t n, int correct_in_three) {
  Rng rng(seed);
  std::vector<ScoredRow> rows;
  for (std::size_t i = 0; i < n; ++i) {
    ScoredRow row;
    row.truth = static_cast<int>(rng.below(5)) + 1;
    row.predicted = static_cast<int>(rng.below(3)) < correct_in_three
                        ? row.truth
                        : static_cast<int>(rng.below(5)) + 1;
    row.point = row.predicted;
    eval::ClassProbabilities p{};
    double sum = 0.0;
    for (std::size_t c = 0; c < 5; ++c) {
      p[c] = rng.uniform() + (static_cast<int>(c) + 1 == row.predicted ? 1.0 : 0.0);
      sum += p[c];
    }
    for (auto& x : p) x /= sum;
    row.probabilities = p;
    rows.push_back(row);
  }
  return rows;
}

TEST(Quantile, MatchesNumpyPercentileLinear) {
  Rng rng(3);
  std::vector<std::vector<double>> samples;
  std::string arrays = "[";
  for (std::size_t s = 0; s < 20; ++s) {
    std::vector<double> values(1 + rng.below(50));
    for (auto& v : values) v = static_cast<double>(rng.below(7)) + rng.uniform();
    samples.push_back(values);
    arrays += (s ? "," : "") + nlohmann::json(values).dump();
  }
  arrays += "]";
  const auto r = run_python(
      "import json,sys,numpy as np\n"
      "a=json.loads(sys.argv[1])\n"
      "print(json.dumps([[float(np.percentile(v,q)) for q in (0,2.5,50,97.5,100)] for v in a]))",
      {arrays});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto expected = nlohmann::json::parse(r.out);
  const double qs[] = {0.0, 0.025, 0.5, 0.975, 1.0};
  for (std::size_t s = 0; s < samples.size(); ++s) {
    for (std::size_t k = 0; k < 5; ++k) {
      EXPECT_NEAR(eval::quantile(samples[s], qs[k]), expected[s][k].get<double>(), 1e-12)
          << "sample " << s << " q " << qs[k];
    }
  }
  EXPECT_THROW(eval::quantile({}, 0.5), Error);
}

TEST(Bootstrap, ResampleDrawsNRowsWithReplacement) {
  Rng rng(9);
  std::vector<std::uint32_t> counts;
  eval::draw_resample(rng, 1000, counts);
  ASSERT_EQ(counts.size(), 1000u);
  std::uint64_t total = 0, absent = 0;
  for (auto c : counts) {
    total += c;
    absent += c == 0;
  }
  EXPECT_EQ(total, 1000u);
  // About 1/e of the rows are never drawn.
  EXPECT_GT(absent, 320u);
  EXPECT_LT(absent, 420u);
}

TEST(Bootstrap, IsSeededAndDeterministic) {
  const eval::RatingTable table(random_rows(1, 300, 1));
  const auto a = eval::bootstrap_intervals(table, {200, 42, 0.95});
  const auto b = eval::bootstrap_intervals(table, {200, 42, 0.95});
  const auto c = eval::bootstrap_intervals(table, {200, 43, 0.95});
  ASSERT_EQ(a.size(), eval::metric_names().size());
  bool any_differs = false;
  for (const auto& [name, interval] : a) {
    EXPECT_EQ(interval.low, b.at(name).low) << name;
    EXPECT_EQ(interval.high, b.at(name).high) << name;
    any_differs |= interval.low != c.at(name).low;
  }
  EXPECT_TRUE(any_differs);
}

TEST(Bootstrap, IntervalHasTheTextbookWidthAndCoversTheEstimate) {
  // Binary accuracy over n = 400 is a proportion near 1/2: the 95% interval should be about
  // 2 * 1.96 * sqrt(0.25 / 400) = 0.098 wide.
  const auto rows = random_rows(2, 400, 1);
  const eval::RatingTable table(rows);
  const auto point = table.evaluate();
  const auto intervals = eval::bootstrap_intervals(table, {1000, 7, 0.95});
  for (const auto& [name, value] : eval::named_values(point)) {
    ASSERT_TRUE(value.has_value()) << name;
    const auto& interval = intervals.at(name);
    EXPECT_LE(interval.low, *value) << name;
    EXPECT_GE(interval.high, *value) << name;
    EXPECT_EQ(interval.resamples, 1000u) << name;
  }
  const auto& acc = intervals.at("binary_accuracy");
  EXPECT_NEAR(acc.high - acc.low,
              2 * 1.96 * std::sqrt(point.binary_accuracy * (1 - point.binary_accuracy) / 400),
              0.015);
}

TEST(Paired, IdenticalMethodsHaveNoDifference) {
  const auto rows = random_rows(4, 200, 1);
  const auto result = eval::compare_paired(rows, rows, {300, 300, 1, 0.95});
  EXPECT_EQ(result.pairs, 200u);
  for (const auto& m : result.metrics) {
    ASSERT_TRUE(m.delta.has_value()) << m.name;
    EXPECT_EQ(*m.delta, 0.0) << m.name;
    EXPECT_EQ(m.delta_interval->low, 0.0) << m.name;
    EXPECT_EQ(m.delta_interval->high, 0.0) << m.name;
    EXPECT_EQ(*m.p_value, 1.0) << m.name;
  }
}

TEST(Paired, AClearlyBetterMethodIsSignificant) {
  auto good = random_rows(5, 300, 3);  // always right
  auto bad = random_rows(5, 300, 0);   // right by chance
  for (std::size_t i = 0; i < good.size(); ++i) bad[i].truth = good[i].truth;
  const auto result = eval::compare_paired(good, bad, {500, 500, 1, 0.95});
  for (const auto& m : result.metrics) {
    ASSERT_TRUE(m.p_value.has_value()) << m.name;
    EXPECT_LT(*m.p_value, 0.01) << m.name;
    // Lower is better for the errors, higher for everything else.
    if (m.name == "mae" || m.name == "rmse") {
      EXPECT_LT(m.delta_interval->high, 0.0) << m.name;
    } else {
      EXPECT_GT(m.delta_interval->low, 0.0) << m.name;
    }
  }
}

TEST(Paired, PermutationPValueOfAccuracyMatchesTheExactBinomialTest) {
  // For accuracy, swapping a pair only matters when exactly one method is right, so the exact
  // permutation distribution is a sign test on the discordant pairs: scipy's binomtest.
  auto a = random_rows(11, 250, 1);
  auto b = random_rows(12, 250, 1);
  std::size_t a_only = 0, b_only = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    b[i].truth = a[i].truth;
    const bool ra = a[i].predicted == a[i].truth, rb = b[i].predicted == b[i].truth;
    a_only += ra && !rb;
    b_only += rb && !ra;
  }
  const auto result = eval::compare_paired(a, b, {0, 20000, 3, 0.95});
  const auto r = run_python(
      "import sys\nfrom scipy.stats import binomtest\n"
      "print(repr(binomtest(int(sys.argv[1]), int(sys.argv[1]) + int(sys.argv[2]), 0.5).pvalue))",
      {std::to_string(a_only), std::to_string(b_only)});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const double exact = std::stod(r.out);
  for (const auto& m : result.metrics) {
    if (m.name != "accuracy") continue;
    // Monte Carlo error with 20,000 permutations is below 0.0036 (one standard error).
    EXPECT_NEAR(*m.p_value, exact, 0.012) << a_only << " vs " << b_only;
    EXPECT_FALSE(m.delta_interval.has_value());
  }
}

TEST(Paired, RejectsMismatchedRows) {
  auto a = random_rows(1, 10, 1);
  auto b = random_rows(2, 10, 1);
  EXPECT_THROW(eval::compare_paired(a, std::vector<ScoredRow>(b.begin(), b.begin() + 5), {}),
               Error);
  b[0].truth = a[0].truth == 5 ? 4 : 5;
  EXPECT_THROW(eval::compare_paired(a, b, {}), Error);
  EXPECT_THROW(eval::compare_paired({}, {}, {}), Error);
}

eval::Prediction prediction(const std::string& id, int truth, std::optional<int> rating) {
  eval::Prediction p;
  p.example_id = id;
  p.true_rating = truth;
  p.rating = rating;
  return p;
}

TEST(Pairing, MatchesByExampleIdAndDropsUnparsedPairs) {
  const std::vector<eval::Prediction> a{prediction("x", 5, 5), prediction("y", 1, std::nullopt),
                                        prediction("z", 3, 2), prediction("only-a", 2, 2)};
  const std::vector<eval::Prediction> b{prediction("z", 3, 3), prediction("y", 1, 1),
                                        prediction("x", 5, 4), prediction("only-b", 4, 4),
                                        prediction("only-b2", 4, 4)};
  const auto paired =
      eval::pair_by_example(a, b, eval::UnparsedPolicy::exclude(), eval::PointSource::Rating);
  EXPECT_EQ(paired.example_ids, (std::vector<std::string>{"x", "z"}));
  EXPECT_EQ(paired.a[1].predicted, 2);
  EXPECT_EQ(paired.b[1].predicted, 3);
  EXPECT_EQ(paired.excluded_unparsed, 1u);
  EXPECT_EQ(paired.only_in_a, 1u);
  EXPECT_EQ(paired.only_in_b, 2u);

  const auto wrong =
      eval::pair_by_example(a, b, eval::UnparsedPolicy::wrong(), eval::PointSource::Rating);
  EXPECT_EQ(wrong.example_ids.size(), 3u);
  EXPECT_EQ(wrong.a[1].predicted, 5);  // truth 1 scored as the worst wrong answer
}

TEST(Pairing, RejectsDuplicatesAndDisagreeingTruths) {
  const std::vector<eval::Prediction> dup{prediction("x", 5, 5), prediction("x", 5, 4)};
  const std::vector<eval::Prediction> one{prediction("x", 5, 5)};
  const std::vector<eval::Prediction> other_truth{prediction("x", 4, 5)};
  const auto policy = eval::UnparsedPolicy::exclude();
  try {
    eval::pair_by_example(dup, one, policy, eval::PointSource::Rating);
    FAIL() << "duplicates accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'x'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(eval::pair_by_example(one, other_truth, policy, eval::PointSource::Rating), Error);
}

}  // namespace
}  // namespace reasonrec::test
