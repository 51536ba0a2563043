#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {
namespace {

std::string magazine(const char* file) {
  return shared_data(std::string("amazon2018_magazine_subscriptions/") + file).string();
}

TEST(PrepareCli, WritesExamplesAndReport) {
  const auto out = scratch_dir() / "run";
  const auto r =
      run_reasonrec({"prepare", "--reviews", magazine("Magazine_Subscriptions_5.json.gz"), "--meta",
                     magazine("meta_Magazine_Subscriptions.json.gz"), "--train-per-rating", "20",
                     "--test-per-rating", "5", "--out", out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| train |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lack it"), std::string::npos) << r.out;
  std::ifstream summary_file(out / "prepare.json");
  const auto summary = nlohmann::json::parse(summary_file);
  EXPECT_EQ(summary["settings"]["seed"], 42);
  std::ifstream examples(out / "examples.jsonl");
  std::string line;
  std::size_t n = 0;
  while (std::getline(examples, line)) {
    const auto e = nlohmann::json::parse(line);
    EXPECT_TRUE(e["split"] == "train" || e["split"] == "test");
    ++n;
  }
  EXPECT_EQ(n, summary["splits"]["train"]["examples"].get<std::size_t>() +
                   summary["splits"]["test"]["examples"].get<std::size_t>());
}

TEST(PrepareCli, BadLineStopsWithFileAndLineThenSkipBadCounts) {
  const auto dir = scratch_dir();
  const auto path = (dir / "reviews.json").string();
  {
    std::ofstream f(path);
    f << R"({"reviewerID": "A", "asin": "I1", "overall": 5.0, "unixReviewTime": 1})"
      << "\n";
    f << R"({"reviewerID": "A", "asin": "I2", "overall": 5.0, "unixReviewTime": )"
      << "\n";
    f << R"({"reviewerID": "A", "asin": "I3", "overall": "x", "unixReviewTime": 3})"
      << "\n";
  }
  auto r = run_reasonrec({"prepare", "--reviews", path, "--out", (dir / "o").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":2: malformed JSON"), std::string::npos) << r.err;

  r = run_reasonrec({"prepare", "--reviews", path, "--out", (dir / "o").string(), "--skip-bad"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("skipped 1 (malformed JSON), skipped 1 (wrong type)"), std::string::npos)
      << r.out;
}

// A missing input file is bad input (1); a missing option or impossible values are usage (2).
TEST(PrepareCli, MissingFileIsBadInputAndMissingOptionIsUsage) {
  EXPECT_EQ(run_reasonrec({"prepare", "--reviews", "/nonexistent.json", "--out", "x"}).exit_code,
            1);
  EXPECT_EQ(run_reasonrec({"prepare", "--out", "x"}).exit_code, 2);
  EXPECT_EQ(
      run_reasonrec({"prepare", "--reviews", magazine("Magazine_Subscriptions_5.json.gz"), "--out",
                     (scratch_dir() / "o").string(), "--min-history", "5", "--max-history", "2"})
          .exit_code,
      2);
}

// Every shared Amazon review file prepares end to end (2014 JSON, 2023 rating CSV); the 2014
// Beauty RecBole metadata joins by ASIN even though no reviews match it.
TEST(PrepareCli, WorksOnEverySharedAmazonReviewFile) {
  const std::vector<std::vector<std::string>> inputs = {
      {"--reviews",
       shared_data("amazon2014_musical_instruments_5core/reviews_Musical_Instruments_5.json.gz")
           .string()},
      {"--reviews", shared_data("amazon2023_all_beauty_5core_ratings/All_Beauty.csv").string()},
      {"--reviews", shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz").string(),
       "--meta", shared_data("amazon2014_beauty_5core/Amazon_Beauty.item").string()},
  };
  int run = 0;
  for (const auto& input : inputs) {
    std::vector<std::string> args{"prepare", "--train-per-rating",
                                  "30",      "--test-per-rating",
                                  "5",       "--quiet",
                                  "--out",   (scratch_dir() / std::to_string(run++)).string()};
    args.insert(args.end(), input.begin(), input.end());
    const auto r = run_reasonrec(args);
    ASSERT_EQ(r.exit_code, 0) << input[1] << "\n" << r.err;
    std::ifstream summary_file(args[7] + "/prepare.json");
    const auto summary = nlohmann::json::parse(summary_file);
    EXPECT_GT(summary["splits"]["train"]["examples"].get<int>(), 0) << input[1];
    EXPECT_GT(summary["splits"]["test"]["examples"].get<int>(), 0) << input[1];
    EXPECT_EQ(summary["sources"][0]["skipped"].size(), 0u) << input[1];
  }
}

TEST(DataStatsCli, ReportsCountsAndCoverage) {
  const auto r =
      run_reasonrec({"data", "stats", "--json", magazine("Magazine_Subscriptions_5.json.gz"),
                     magazine("meta_Magazine_Subscriptions.json.gz")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto s = nlohmann::json::parse(r.out);
  EXPECT_EQ(s["reviews"].get<int>() + s["duplicate_reviews_dropped"].get<int>(), 2375);
  EXPECT_EQ(s["users"], 348);
  EXPECT_EQ(s["items"], 157);
  EXPECT_EQ(s["items_with_meta"], 151);  // SOURCE.md: 151 of the 157 reviewed items
  int total = 0;
  for (int k = 1; k <= 5; ++k) total += s["ratings"][std::to_string(k)].get<int>();
  EXPECT_EQ(total, s["reviews"].get<int>());

  const auto text = run_reasonrec({"data", "stats", magazine("Magazine_Subscriptions_5.json.gz")});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("users: 348"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace reasonrec::test
