// `reasonrec eval` end to end: the JSON it prints against scikit-learn reading the same file.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "eval/prediction.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "util/random.hpp"

namespace reasonrec::test {
namespace {

// Reads predictions.jsonl itself and applies the unparsed policy named in argv[2] before calling
// scikit-learn, so the whole command (reading, policy, metrics, JSON) is checked.
constexpr const char* kReferenceScript = R"PY(
import json, sys, warnings
import numpy as np
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, mean_absolute_error,
                             mean_squared_error, roc_auc_score)
warnings.simplefilter("ignore")
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
policy = sys.argv[2]
t, p, probs, unparsed = [], [], [], 0
for r in rows:
    rating = r["rating"]
    if rating is None:
        unparsed += 1
        if policy == "exclude":
            continue
        rating = (5 if r["true_rating"] <= 3 else 1) if policy == "wrong" else int(policy[9:])
    t.append(r["true_rating"]); p.append(rating); probs.append(r["probabilities"])
t, p = np.array(t), np.array(p)
have_probs = all(x is not None for x in probs)
P = np.array(probs, dtype=float) if have_probs else None
def guarded(f):
    try:
        return float(f()) if have_probs else None
    except ValueError:
        return None
print(json.dumps({
    "total": len(rows), "unparsed": unparsed, "scored": len(t),
    "metrics": {
        "binary_accuracy": accuracy_score(t > 3, p > 3),
        "binary_f1": f1_score(t > 3, p > 3),
        "accuracy": accuracy_score(t, p),
        "macro_f1": f1_score(t, p, average="macro"),
        "mae": mean_absolute_error(t, p),
        "rmse": mean_squared_error(t, p, squared=False),
        "binary_auc": guarded(lambda: roc_auc_score(t > 3, P[:, 3] + P[:, 4])),
        "ovr_auc": guarded(lambda: roc_auc_score(t, P, multi_class="ovr", average="macro")),
    },
    "confusion_matrix": confusion_matrix(t, p, labels=[1, 2, 3, 4, 5]).tolist(),
}))
)PY";

// Predictions with realistic defects: some unparsed, a skewed truth, tied probabilities.
std::vector<eval::Prediction> make_predictions(std::uint64_t seed, std::size_t n,
                                               bool with_probabilities, const std::string& mode) {
  Rng rng(seed);
  std::vector<eval::Prediction> out;
  for (std::size_t i = 0; i < n; ++i) {
    eval::Prediction p;
    p.example_id = "ex-" + std::to_string(i);
    p.split = "test";
    p.mode = mode;
    p.model = "test-model";
    p.backend = "test";
    p.true_rating = static_cast<int>(rng.below(5)) + 1;
    if (rng.below(12) == 0) {
      p.parse_status = "unparsed:no-rating";
      p.raw = "I cannot decide.";
    } else {
      p.rating = rng.below(2) == 0 ? p.true_rating : static_cast<int>(rng.below(5)) + 1;
      p.parse_status = "strict";
      p.raw = "### Rating ###\n" + std::to_string(*p.rating);
    }
    if (with_probabilities) {
      eval::ClassProbabilities probs{};
      std::uint64_t k[5], sum = 0;
      for (auto& x : k) sum += (x = 1 + rng.below(4));
      for (std::size_t c = 0; c < 5; ++c) probs[c] = static_cast<double>(k[c]) / sum;
      p.probabilities = probs;
    }
    out.push_back(std::move(p));
  }
  return out;
}

// The test's scratch directory, created (emptied) once per test.
const std::filesystem::path& test_dir() {
  static std::string test;
  static std::filesystem::path dir;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string current = std::string(info->test_suite_name()) + "." + info->name();
  if (current != test) {
    test = current;
    dir = scratch_dir();
  }
  return dir;
}

std::string write(const std::vector<eval::Prediction>& predictions, const std::string& name) {
  const auto path = (test_dir() / name).string();
  eval::write_predictions(path, predictions);
  return path;
}

void expect_matches_sklearn(const std::string& path, const std::string& policy) {
  const auto ours = run_reasonrec({"eval", "--predictions", path, "--unparsed", policy, "--json"});
  ASSERT_EQ(ours.exit_code, 0) << ours.err;
  const auto theirs = run_python(kReferenceScript, {path, policy});
  ASSERT_EQ(theirs.exit_code, 0) << theirs.err;
  const auto got = nlohmann::json::parse(ours.out);
  const auto want = nlohmann::json::parse(theirs.out);
  EXPECT_EQ(got["unparsed_policy"]["name"], policy);
  const auto& method = got["methods"][0];
  EXPECT_EQ(method["total"], want["total"]);
  EXPECT_EQ(method["unparsed"], want["unparsed"]);
  EXPECT_EQ(method["scored"], want["scored"]);
  EXPECT_EQ(method["confusion_matrix"], want["confusion_matrix"]) << policy;
  for (const auto& [name, value] : want["metrics"].items()) {
    if (value.is_null()) {
      EXPECT_TRUE(method["metrics"][name].is_null()) << policy << " " << name;
    } else {
      EXPECT_NEAR(method["metrics"][name].get<double>(), value.get<double>(), 1e-9)
          << policy << " " << name;
    }
  }
}

TEST(EvalCli, JsonMatchesSklearnUnderEveryUnparsedPolicy) {
  const auto path = write(make_predictions(1, 700, true, "cot"), "p.jsonl");
  for (const char* policy : {"exclude", "wrong", "fallback:3", "fallback:5"}) {
    expect_matches_sklearn(path, policy);
  }
}

TEST(EvalCli, WithoutProbabilitiesAucIsNull) {
  expect_matches_sklearn(write(make_predictions(2, 300, false, "direct"), "p.jsonl"), "exclude");
}

TEST(EvalCli, MarkdownFollowsTable3AndStatesThePolicy) {
  const auto path = write(make_predictions(3, 200, true, "cot"), "p.jsonl");
  const auto r = run_reasonrec({"eval", "--predictions", path, "--domain", "BEAUTY", "--unparsed",
                                "wrong", "--bootstrap", "100", "--seed", "4"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("| Domain | Method | Bin Acc | Bin F1 | Multi Acc | MAE | RMSE |", 0), 0u)
      << r.out;
  EXPECT_NE(r.out.find("| BEAUTY | cot (test-model) | "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Unparsed policy: wrong (unparsed predictions count as wrong"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("95% percentile bootstrap over examples, 100 resamples, seed 4"), std::string::npos);
  EXPECT_NE(r.out.find("| true \\ predicted | 1 | 2 | 3 | 4 | 5 |"), std::string::npos);
}

TEST(EvalCli, BootstrapAndComparisonAreSeededAndComplete) {
  const auto a = write(make_predictions(5, 400, true, "cot"), "a.jsonl");
  auto b_predictions = make_predictions(6, 420, true, "direct");
  // Same examples and truths as A (plus 20 only in B), different predictions.
  const auto a_predictions = eval::read_predictions(a);
  for (std::size_t i = 0; i < a_predictions.size(); ++i) {
    b_predictions[i].true_rating = a_predictions[i].true_rating;
  }
  const auto b = write(b_predictions, "b.jsonl");
  const std::vector<std::string> args{"eval", "--predictions", a,     "--compare",
                                      b,      "--bootstrap",   "200", "--permutations",
                                      "300",  "--seed",        "9",   "--json"};
  const auto first = run_reasonrec(args);
  const auto second = run_reasonrec(args);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, second.out);
  const auto j = nlohmann::json::parse(first.out);
  ASSERT_EQ(j["methods"].size(), 2u);
  EXPECT_EQ(j["methods"][1]["label"], "direct (test-model)");
  for (const auto& method : j["methods"]) {
    for (const char* name : {"binary_accuracy", "rmse", "ovr_auc"}) {
      const auto& interval = method["intervals"][name];
      EXPECT_LE(interval["low"].get<double>(), method["metrics"][name].get<double>()) << name;
      EXPECT_GE(interval["high"].get<double>(), method["metrics"][name].get<double>()) << name;
    }
  }
  ASSERT_EQ(j["comparisons"].size(), 1u);
  const auto& c = j["comparisons"][0];
  EXPECT_EQ(c["method"], "direct (test-model)");
  EXPECT_EQ(c["reference"], "cot (test-model)");
  EXPECT_EQ(c["only_in_method"], 20);
  EXPECT_EQ(c["only_in_reference"], 0);
  const std::size_t pairs = c["pairs"];
  EXPECT_EQ(pairs + c["excluded_unparsed"].get<std::size_t>(), 400u);
  for (const auto& [name, m] : c["metrics"].items()) {
    EXPECT_NEAR(m["delta"].get<double>(), m["method"].get<double>() - m["reference"].get<double>(),
                1e-12);
    const double p = m["p_value"];
    EXPECT_GT(p, 0.0) << name;
    EXPECT_LE(p, 1.0) << name;
    EXPECT_TRUE(m["delta_interval"].is_object()) << name;
  }
}

TEST(EvalCli, SampleSelectsOneSamplePerExample) {
  auto predictions = make_predictions(7, 50, false, "cot");
  auto second = make_predictions(8, 50, false, "cot");
  for (auto& p : second) p.sample = 1;
  predictions.insert(predictions.end(), second.begin(), second.end());
  const auto path = write(predictions, "p.jsonl");
  // By default each example is one row (its first sample), never one row per line.
  const auto all = run_reasonrec({"eval", "--predictions", path, "--json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const auto first = nlohmann::json::parse(all.out)["methods"][0];
  EXPECT_EQ(first["total"], 50);
  EXPECT_EQ(first["lines"], 100);
  const auto zero = run_reasonrec({"eval", "--predictions", path, "--sample", "0", "--json"});
  ASSERT_EQ(zero.exit_code, 0) << zero.err;
  EXPECT_EQ(nlohmann::json::parse(zero.out)["methods"][0]["metrics"], first["metrics"]);
  const auto one = run_reasonrec({"eval", "--predictions", path, "--sample", "1", "--json"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(nlohmann::json::parse(one.out)["methods"][0]["total"], 50);
  EXPECT_NE(nlohmann::json::parse(one.out)["methods"][0]["metrics"], first["metrics"]);
  // A file compared with itself pairs example by example.
  const auto self = run_reasonrec({"eval", "--predictions", path, path, "--json"});
  ASSERT_EQ(self.exit_code, 0) << self.err;
  EXPECT_EQ(nlohmann::json::parse(self.out)["comparisons"][0]["pairs"],
            first["scored"].get<std::size_t>());
  const auto none = run_reasonrec({"eval", "--predictions", path, "--sample", "7"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no predictions with sample index 7"), std::string::npos) << none.err;
}

// Samples of one example are not independent observations: four identical samples per example
// must give exactly the intervals of one sample per example, under every aggregation.
TEST(EvalCli, RepeatedSamplesDoNotNarrowIntervals) {
  const auto single = make_predictions(11, 300, true, "cot");
  std::vector<eval::Prediction> repeated;
  for (int s = 0; s < 4; ++s) {
    for (auto p : single) {
      p.sample = s;
      repeated.push_back(p);
    }
  }
  const auto a = write(single, "single.jsonl");
  const auto b = write(repeated, "repeated.jsonl");
  const auto intervals = [](const std::string& path, const std::string& aggregate) {
    const auto r = run_reasonrec({"eval", "--predictions", path, "--aggregate", aggregate,
                                  "--bootstrap", "300", "--seed", "5", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out)["methods"][0];
  };
  for (const char* aggregate : {"first", "majority", "mean-expected"}) {
    const auto one = intervals(a, aggregate);
    const auto four = intervals(b, aggregate);
    EXPECT_EQ(four["total"], 300) << aggregate;
    EXPECT_EQ(one["intervals"]["binary_accuracy"], four["intervals"]["binary_accuracy"])
        << aggregate;
    EXPECT_EQ(one["intervals"]["rmse"], four["intervals"]["rmse"]) << aggregate;
  }
}

TEST(EvalCli, MajorityAndMeanExpectedAggregateEachExample) {
  // Example votes: {4,4,2} -> 4; {1,5} tie, mean 3 -> equidistant, the lower: 1;
  // {2,3,3,2,5} tie 2/3, mean 3 -> 3; {unparsed, 5} -> 5; {unparsed, unparsed} -> unparsed.
  const std::vector<std::pair<int, std::vector<int>>> cases{
      {4, {4, 4, 2}}, {1, {1, 5}}, {3, {2, 3, 3, 2, 5}}, {5, {0, 5}}, {2, {0, 0}}};
  std::vector<eval::Prediction> predictions;
  for (std::size_t e = 0; e < cases.size(); ++e) {
    for (std::size_t s = 0; s < cases[e].second.size(); ++s) {
      eval::Prediction p;
      p.example_id = "ex-" + std::to_string(e);
      p.split = "test";
      p.mode = "cot";
      p.model = "m";
      p.backend = "test";
      p.sample = static_cast<int>(s);
      p.true_rating = cases[e].first;
      if (cases[e].second[s] > 0) p.rating = cases[e].second[s];
      predictions.push_back(p);
    }
  }
  const auto path = write(predictions, "votes.jsonl");
  const auto majority = run_reasonrec(
      {"eval", "--predictions", path, "--aggregate", "majority", "--unparsed", "wrong", "--json"});
  ASSERT_EQ(majority.exit_code, 0) << majority.err;
  const auto m = nlohmann::json::parse(majority.out)["methods"][0];
  EXPECT_EQ(m["total"], 5);
  EXPECT_EQ(m["unparsed"], 1);
  // Predicted 4,1,3,5 for truths 4,1,3,5 and the unparsed truth 2 scored as 5: 4 of 5 exact.
  EXPECT_DOUBLE_EQ(m["metrics"]["accuracy"].get<double>(), 0.8);
  const auto mean =
      run_reasonrec({"eval", "--predictions", path, "--aggregate", "mean-expected", "--json"});
  ASSERT_EQ(mean.exit_code, 0) << mean.err;
  // Means 3.33->3, 3->3, 3->3, 5->5: exact for truths 3 and 5 only.
  const auto e = nlohmann::json::parse(mean.out)["methods"][0];
  EXPECT_EQ(e["scored"], 4);
  EXPECT_DOUBLE_EQ(e["metrics"]["accuracy"].get<double>(), 0.5);
  const auto bad = run_reasonrec({"eval", "--predictions", path, "--aggregate", "vote"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("first, majority or mean-expected"), std::string::npos) << bad.err;
}

TEST(EvalCli, ScoresTheTestSplitUnlessToldOtherwise) {
  auto test = make_predictions(12, 100, false, "cot");
  auto train = make_predictions(13, 400, false, "cot");
  for (auto& p : train) {
    p.split = "train";
    p.example_id = "train-" + p.example_id;
  }
  auto mixed = test;
  mixed.insert(mixed.end(), train.begin(), train.end());
  const auto path = write(mixed, "mixed.jsonl");
  const auto r = run_reasonrec({"eval", "--predictions", path, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["split"], "test");
  EXPECT_EQ(j["methods"][0]["total"], 100);
  EXPECT_EQ(j["methods"][0]["other_splits"], 400);
  const auto markdown = run_reasonrec({"eval", "--predictions", path});
  EXPECT_NE(markdown.out.find("400 predictions of other splits left out"), std::string::npos)
      << markdown.out;
  const auto both = run_reasonrec({"eval", "--predictions", path, "--split", "all", "--json"});
  ASSERT_EQ(both.exit_code, 0) << both.err;
  EXPECT_EQ(nlohmann::json::parse(both.out)["methods"][0]["total"], 500);
  const auto only_train = write(train, "train.jsonl");
  const auto refused = run_reasonrec({"eval", "--predictions", only_train});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find(only_train + ": no predictions in the test split (the file holds: "
                                          "400 train)"),
            std::string::npos)
      << refused.err;
}

TEST(EvalCli, SeveralFilesMakeOneTablePairedAgainstTheReference) {
  const auto base = make_predictions(14, 200, true, "cot");
  std::vector<std::string> paths;
  for (std::uint64_t seed : {15, 16, 17}) {
    auto other = make_predictions(seed, 200, true, "m" + std::to_string(seed));
    for (std::size_t i = 0; i < other.size(); ++i) other[i].true_rating = base[i].true_rating;
    paths.push_back(write(other, "m" + std::to_string(seed) + ".jsonl"));
  }
  const auto r = run_reasonrec({"eval", "--predictions", paths[0], paths[1], paths[2], "--label",
                                "A", "B", "C", "--reference", "B", "--bootstrap", "50",
                                "--permutations", "50", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["methods"].size(), 3u);
  ASSERT_EQ(j["comparisons"].size(), 2u);
  EXPECT_EQ(j["comparisons"][0]["method"], "A");
  EXPECT_EQ(j["comparisons"][1]["method"], "C");
  for (const auto& c : j["comparisons"]) {
    EXPECT_EQ(c["reference"], "B");
    EXPECT_EQ(c["pairs"].get<std::size_t>() + c["excluded_unparsed"].get<std::size_t>(), 200u);
  }
  const auto md = run_reasonrec({"eval", "--predictions", paths[0], paths[1], paths[2], "--label",
                                 "A", "B", "C", "--reference", "3"});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("| – | A |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("| – | B |"), std::string::npos) << md.out;
  EXPECT_NE(md.out.find("Paired against C"), std::string::npos) << md.out;
  const auto unknown =
      run_reasonrec({"eval", "--predictions", paths[0], paths[1], "--reference", "Z"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("--reference 'Z'"), std::string::npos) << unknown.err;
}

TEST(EvalCli, BadInputAndUsageAreReportedClearly) {
  const auto path = write(make_predictions(9, 5, false, "cot"), "p.jsonl");
  {
    std::ofstream out(path, std::ios::app);
    out << R"({"example_id":"bad","split":"test","mode":"cot","model":"m","backend":"b",)"
        << R"("sample":0,"true_rating":9,"rating":3,"parse_status":"","reasoning":"","raw":""})"
        << "\n";
  }
  const auto bad = run_reasonrec({"eval", "--predictions", path});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find(path + ":6: field 'true_rating'"), std::string::npos) << bad.err;

  const auto good = write(make_predictions(9, 5, false, "cot"), "good.jsonl");
  const auto policy = run_reasonrec({"eval", "--predictions", good, "--unparsed", "skip"});
  EXPECT_EQ(policy.exit_code, 2);
  EXPECT_NE(policy.err.find("exclude, wrong or fallback:N"), std::string::npos) << policy.err;
  const auto point = run_reasonrec({"eval", "--predictions", good, "--point", "expected"});
  EXPECT_EQ(point.exit_code, 1);
  EXPECT_NE(point.err.find("expected_rating"), std::string::npos) << point.err;
  // A missing input is bad input (1), like every other unreadable file, not a usage error (2).
  const auto missing = run_reasonrec({"eval", "--predictions", "/no/such/file.jsonl"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/no/such/file.jsonl: no such file"), std::string::npos)
      << missing.err;

  std::vector<eval::Prediction> unparsed = make_predictions(10, 3, false, "cot");
  for (auto& p : unparsed) p.rating.reset();
  const auto none = run_reasonrec({"eval", "--predictions", write(unparsed, "u.jsonl")});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("all 3 predictions are unparsed"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace reasonrec::test
