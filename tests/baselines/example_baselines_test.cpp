#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "baselines/example_baselines.hpp"
#include "data/example_io.hpp"
#include "eval/prediction.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using baselines::BaselineMethod;
using data::Example;

data::HistoryEntry entry(const std::string& item, int rating, std::int64_t time) {
  data::HistoryEntry h;
  h.item.meta.item = item;
  h.rating = rating;
  h.time = time;
  return h;
}

Example example(const std::string& id, const std::string& split, const std::string& user,
                const std::string& target, int rating, std::vector<data::HistoryEntry> history) {
  Example e;
  e.id = id;
  e.split = split;
  e.user = user;
  e.target.meta.item = target;
  e.rating = rating;
  e.time = 1000;
  e.history = std::move(history);
  return e;
}

// Two train users and one test user whose second example's history holds the first example's
// target (which must not leak into training).
std::vector<Example> small_examples() {
  return {
      example("tr1", "train", "u1", "A", 5, {entry("B", 4, 1), entry("C", 2, 2)}),
      example("tr2", "train", "u2", "B", 2, {entry("A", 3, 1), entry("C", 1, 2)}),
      example("te1", "test", "u3", "A", 1, {entry("B", 5, 1), entry("C", 4, 2)}),
      example("te2", "test", "u3", "D", 3, {entry("B", 5, 1), entry("C", 4, 2), entry("A", 1, 3)}),
  };
}

TEST(TrainingRatings, TakesTrainTargetsAndHistoriesOnceWithoutTestTargets) {
  const auto ratings = baselines::training_ratings(small_examples());
  // u1: B, C, A(target); u2: A, C, B(target); u3: B, C (A and D are u3's test targets; the
  // repeated history entries of te2 are the same ratings as te1's).
  ASSERT_EQ(ratings.size(), 8u);
  for (const auto& r : ratings) {
    EXPECT_FALSE(r.user == "u3" && (r.item == "A" || r.item == "D")) << r.item;
  }
}

TEST(RoundToClass, ClampsThenRoundsHalvesUp) {
  const std::vector<std::pair<double, int>> cases{{0.2, 1}, {1.0, 1},  {1.49, 1}, {1.5, 2},
                                                  {2.5, 3}, {3.49, 3}, {3.5, 4},  {4.5, 5},
                                                  {4.9, 5}, {7.0, 5},  {-3.0, 1}};
  for (const auto& [score, rating] : cases) {
    EXPECT_EQ(baselines::round_to_class(score), rating) << score;
  }
}

TEST(PredictBaseline, UserAverageIsTheMeanOfTheExampleHistory) {
  baselines::BaselineOptions options;
  options.method = BaselineMethod::UserAverage;
  const auto predictions = baselines::predict_baseline(small_examples(), options);
  ASSERT_EQ(predictions.size(), 2u);
  EXPECT_EQ(predictions[0].example_id, "te1");
  EXPECT_DOUBLE_EQ(*predictions[0].expected_rating, 4.5);
  EXPECT_EQ(predictions[0].rating, 5);
  EXPECT_DOUBLE_EQ(*predictions[1].expected_rating, 10.0 / 3.0);
  EXPECT_EQ(predictions[1].rating, 3);
  EXPECT_EQ(predictions[1].true_rating, 3);
  EXPECT_EQ(predictions[1].model, "user-average");
  EXPECT_EQ(predictions[1].mode, "baseline");
  EXPECT_FALSE(predictions[1].seed.has_value());
}

TEST(PredictBaseline, ItemAndGlobalMeansUseTheTrainingRatings) {
  baselines::BaselineOptions options;
  options.method = BaselineMethod::ItemAverage;
  const auto item = baselines::predict_baseline(small_examples(), options);
  // Item A in training: u1's target 5 and u2's history 3.
  EXPECT_DOUBLE_EQ(*item[0].expected_rating, 4.0);
  // Item D is unseen: the global mean of the 8 training ratings (4+2+5+3+1+2+5+4 = 26).
  EXPECT_DOUBLE_EQ(*item[1].expected_rating, 26.0 / 8.0);
  options.method = BaselineMethod::GlobalMean;
  const auto global = baselines::predict_baseline(small_examples(), options);
  EXPECT_DOUBLE_EQ(*global[0].expected_rating, 26.0 / 8.0);
  options.split = "all";
  EXPECT_EQ(baselines::predict_baseline(small_examples(), options).size(), 4u);
  options.split = "dev";
  EXPECT_THROW(baselines::predict_baseline(small_examples(), options), UsageError);
}

TEST(PredictBaseline, MatrixFactorisationIsSeeded) {
  baselines::BaselineOptions options;
  options.method = BaselineMethod::Mf;
  options.mf.seed = 3;
  const auto a = baselines::predict_baseline(small_examples(), options);
  const auto b = baselines::predict_baseline(small_examples(), options);
  options.mf.seed = 4;
  const auto c = baselines::predict_baseline(small_examples(), options);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].expected_rating, b[0].expected_rating);
  EXPECT_NE(a[0].expected_rating, c[0].expected_rating);
  EXPECT_EQ(a[0].seed, 3u);
  for (const auto& p : a) {
    EXPECT_GE(*p.expected_rating, 1.0);
    EXPECT_LE(*p.expected_rating, 5.0);
    EXPECT_EQ(p.rating, baselines::round_to_class(*p.expected_rating));
  }
}

TEST(PredictBaseline, ParsesMethodNames) {
  EXPECT_EQ(baselines::parse_baseline_method("mf"), BaselineMethod::Mf);
  EXPECT_EQ(baselines::parse_baseline_method("user"), BaselineMethod::UserAverage);
  EXPECT_EQ(baselines::parse_baseline_method("item"), BaselineMethod::ItemAverage);
  EXPECT_EQ(baselines::parse_baseline_method("global"), BaselineMethod::GlobalMean);
  EXPECT_THROW(baselines::parse_baseline_method("svd"), UsageError);
}

// The user average recomputed by Python from examples.jsonl and predictions.jsonl directly.
constexpr const char* kUserAverageScript = R"PY(
import json, math, sys
examples = {}
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["split"] == "test":
        examples[e["id"]] = e
preds = [json.loads(l) for l in open(sys.argv[2])]
assert len(preds) == len(examples), (len(preds), len(examples))
for p in preds:
    e = examples[p["example_id"]]
    mean = sum(h["rating"] for h in e["history"]) / len(e["history"])
    assert abs(p["expected_rating"] - mean) < 1e-12, (p, mean)
    assert p["rating"] == min(5, max(1, math.floor(mean + 0.5))), (p, mean)
    assert p["true_rating"] == e["rating"]
print(len(preds))
)PY";

TEST(BaselineCli, RunsOnSharedAmazonDataAndFeedsEval) {
  const auto dir = scratch_dir();
  const auto prepared = run_reasonrec(
      {"prepare", "--reviews", shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz"),
       "--out", (dir / "beauty").string(), "--train-per-rating", "40", "--test-per-rating", "20",
       "--quiet"});
  ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  const auto examples = (dir / "beauty" / "examples.jsonl").string();
  for (const char* method : {"global", "user", "item", "mf"}) {
    const auto out = (dir / (std::string(method) + ".jsonl")).string();
    const auto r =
        run_reasonrec({"baseline", "--method", method, "--examples", examples, "--out", out});
    ASSERT_EQ(r.exit_code, 0) << method << ": " << r.err;
    const auto predictions = eval::read_predictions(out);
    ASSERT_FALSE(predictions.empty()) << method;
    const auto scored =
        run_reasonrec({"eval", "--predictions", out, "--point", "expected", "--json"});
    ASSERT_EQ(scored.exit_code, 0) << scored.err;
    const auto j = nlohmann::json::parse(scored.out);
    EXPECT_EQ(j["methods"][0]["unparsed"], 0) << method;
    EXPECT_EQ(j["methods"][0]["scored"], predictions.size()) << method;
  }
  const auto check = run_python(kUserAverageScript, {examples, (dir / "user.jsonl").string()});
  EXPECT_EQ(check.exit_code, 0) << check.err;
}

TEST(BaselineCli, RatingsTableModePrintsEveryMethod) {
  const auto r = run_reasonrec({"baseline", "--ratings",
                                shared_data("movielens_latest_small/ratings.csv").string(),
                                "--seed", "5", "--epochs", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"| global-mean |", "| user-average |", "| item-average |", "| mf |"}) {
    EXPECT_NE(r.out.find(name), std::string::npos) << r.out;
  }
}

TEST(BaselineCli, UsageErrors) {
  const auto dir = scratch_dir();
  const auto path = (dir / "examples.jsonl").string();
  {
    std::ofstream out(path);
    data::write_examples(out, small_examples());
  }
  const auto bad_method = run_reasonrec(
      {"baseline", "--method", "svd", "--examples", path, "--out", (dir / "p.jsonl").string()});
  EXPECT_EQ(bad_method.exit_code, 2);
  EXPECT_NE(bad_method.err.find("global, user, item or mf"), std::string::npos);
  const auto no_out = run_reasonrec({"baseline", "--examples", path});
  EXPECT_EQ(no_out.exit_code, 2);
  const auto bad_lr = run_reasonrec(
      {"baseline", "--examples", path, "--out", (dir / "p.jsonl").string(), "--lr", "0"});
  EXPECT_EQ(bad_lr.exit_code, 2);
}

// --ratings is a mode of its own: the options of the examples mode are refused, not ignored.
TEST(BaselineCli, RatingsModeRefusesExampleOptions) {
  const auto dir = scratch_dir();
  const auto ratings = shared_data("movielens_latest_small/ratings.csv").string();
  const auto examples = (dir / "examples.jsonl").string();
  {
    std::ofstream out(examples);
    data::write_examples(out, small_examples());
  }
  const std::vector<std::vector<std::string>> extras{{"--method", "user"},
                                                     {"--examples", examples},
                                                     {"--out", (dir / "p.jsonl").string()},
                                                     {"--split", "all"}};
  for (const auto& extra : extras) {
    std::vector<std::string> args{"baseline", "--ratings", ratings};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = run_reasonrec(args);
    EXPECT_EQ(r.exit_code, 2) << extra[0] << ": " << r.err;
    EXPECT_NE(r.err.find(extra[0] + " excludes --ratings"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "p.jsonl"));
}

}  // namespace
}  // namespace reasonrec::test
