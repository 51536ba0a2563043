#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "data/example_io.hpp"
#include "data/prepare.hpp"
#include "data/sampling.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::data {
using reasonrec::InputError;
using reasonrec::UsageError;
namespace {

// A synthetic data set: `users` users with `per_user` reviews each, ratings cycling.
Dataset synthetic(int users, int per_user, int rating_offset = 0) {
  Dataset d;
  for (int u = 0; u < users; ++u) {
    for (int i = 0; i < per_user; ++i) {
      Review r;
      r.user = "U" + std::to_string(u);
      r.item = "I" + std::to_string((u * 7 + i) % 50);
      r.rating = 1 + (u + i + rating_offset) % 5;
      r.time = 1000 + (per_user - i) * 10;  // file order is reverse time order
      r.text = "review " + std::to_string(i);
      d.reviews.push_back(r);
    }
  }
  return d;
}

TEST(Sampling, HistoryIsTheMostRecentEarlierReviewsInTimeOrder) {
  const Dataset d = synthetic(1, 15);
  const auto timelines = build_timelines(d.reviews);
  ASSERT_EQ(timelines.size(), 1u);
  const Example e = make_example(d, timelines[0], 12, 10, "train");
  ASSERT_EQ(e.history.size(), 10u);
  for (std::size_t i = 1; i < e.history.size(); ++i)
    EXPECT_LT(e.history[i - 1].time, e.history[i].time);
  EXPECT_LT(e.history.back().time, e.time);
  // Position 12 in time order keeps positions 2..11.
  EXPECT_EQ(e.history.front().time, d.reviews[timelines[0].reviews[2]].time);
  EXPECT_FALSE(e.target.has_meta);
}

TEST(Sampling, BalancedUserDisjointAndDeterministic) {
  const Dataset d = synthetic(400, 12);
  SamplingOptions o;
  o.train_per_rating = 40;
  o.test_per_rating = 10;
  const auto a = sample_examples(d, o);
  const auto b = sample_examples(d, o);
  std::ostringstream sa, sb;
  write_examples(sa, a.examples);
  write_examples(sb, b.examples);
  EXPECT_EQ(sa.str(), sb.str());

  std::set<std::string> train_users, test_users;
  int counts[2][5] = {};
  for (const auto& e : a.examples) {
    const bool test = e.split == "test";
    (test ? test_users : train_users).insert(e.user);
    ++counts[test][e.rating - 1];
    EXPECT_GE(e.history.size(), 4u);
    EXPECT_LE(e.history.size(), 10u);
  }
  for (int r = 0; r < 5; ++r) {
    EXPECT_EQ(counts[0][r], 40);
    EXPECT_EQ(counts[1][r], 10);
  }
  for (const auto& u : test_users) EXPECT_EQ(train_users.count(u), 0u) << u;
  EXPECT_TRUE(a.report.shortfalls.empty());

  o.seed = 7;
  std::ostringstream sc;
  write_examples(sc, sample_examples(d, o).examples);
  EXPECT_NE(sa.str(), sc.str());
}

TEST(Sampling, ScarceClassIsSharedAndReportedNotLooped) {
  Dataset d = synthetic(300, 8);
  // Make rating 1 rare: only users 0..11 keep their 1-star reviews as targets.
  for (auto& r : d.reviews) {
    if (r.rating == 1 && std::stoi(r.user.substr(1)) >= 12) r.rating = 2;
  }
  SamplingOptions o;
  o.train_per_rating = 80;
  o.test_per_rating = 20;
  const auto result = sample_examples(d, o);
  const auto& rep = result.report;
  EXPECT_LE(rep.candidate_users[1], 12u);
  EXPECT_GT(rep.train_taken[1], 0u) << "train must not be starved by test";
  EXPECT_GT(rep.test_taken[1], 0u);
  // A 1-star user may be taken by test for another class, so the sum can fall short by a few.
  EXPECT_LE(rep.train_taken[1] + rep.test_taken[1], rep.candidate_users[1]);
  EXPECT_GE(rep.train_taken[1] + rep.test_taken[1] + 3, rep.candidate_users[1]);
  ASSERT_FALSE(rep.shortfalls.empty());
  EXPECT_NE(rep.shortfalls[0].find("rating 1: train asked 80 but took"), std::string::npos)
      << rep.shortfalls[0];
}

TEST(Sampling, EmptyInputGivesEmptyOutputNotACrash) {
  const Dataset d;
  const auto result = sample_examples(d, {});
  EXPECT_TRUE(result.examples.empty());
  EXPECT_EQ(result.report.shortfalls.size(), 10u);
}

TEST(Sampling, BadBoundsAreUsageErrors) {
  SamplingOptions o;
  o.min_history = 5;
  o.max_history = 3;
  EXPECT_THROW(sample_examples(Dataset{}, o), UsageError);
}

TEST(Prepare, OutputIsByteIdenticalAcrossRuns) {
  PrepareOptions options;
  options.review_files = {
      test::shared_data("amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz")
          .string()};
  options.meta_files = {
      test::shared_data("amazon2018_magazine_subscriptions/meta_Magazine_Subscriptions.json.gz")
          .string()};
  options.load.progress = ProgressMode::Silent;
  options.sampling.train_per_rating = 20;
  options.sampling.test_per_rating = 5;
  const auto dir = test::scratch_dir();
  const auto read = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  };
  options.out_dir = (dir / "a").string();
  prepare(options);
  options.out_dir = (dir / "b").string();
  prepare(options);
  const auto examples = read(dir / "a" / "examples.jsonl");
  EXPECT_FALSE(examples.empty());
  EXPECT_EQ(examples, read(dir / "b" / "examples.jsonl"));
  EXPECT_EQ(read(dir / "a" / "prepare.json"), read(dir / "b" / "prepare.json"));
  // And it reads back through the documented schema.
  const auto back = read_examples((dir / "a" / "examples.jsonl").string());
  EXPECT_EQ(back.size(),
            static_cast<std::size_t>(std::count(examples.begin(), examples.end(), '\n')));
}

}  // namespace
}  // namespace reasonrec::data
