// The sanity check of the collaborative-filtering baselines on MovieLens ml-latest-small.
#include <gtest/gtest.h>

#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "baselines/matrix_factorization.hpp"
#include "baselines/mean_baselines.hpp"
#include "baselines/ratings_table.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {
namespace {

using baselines::Rating;

const std::vector<Rating>& movielens() {
  static const std::vector<Rating> ratings =
      baselines::read_ratings_csv(shared_data("movielens_latest_small/ratings.csv").string());
  return ratings;
}

void write_csv(const std::vector<Rating>& ratings, const std::filesystem::path& path) {
  std::ofstream out(path);
  out << "userId,movieId,rating,timestamp\n";
  for (const auto& r : ratings)
    out << fmt::format("{},{},{},{}\n", r.user, r.item, r.rating, r.time);
}

TEST(MovieLens, ReadsTheWholeRatingsFile) {
  const auto& ratings = movielens();
  ASSERT_EQ(ratings.size(), 100836u);
  EXPECT_EQ(ratings.front().user, "1");
  EXPECT_EQ(ratings.front().item, "1");
  EXPECT_EQ(ratings.front().rating, 4.0);
  EXPECT_EQ(ratings.front().time, 964982703);
}

TEST(MovieLens, SplitIsSeededDisjointAndEightyTwenty) {
  const auto& ratings = movielens();
  const auto a = baselines::split_ratings(ratings, 0.2, 1);
  const auto b = baselines::split_ratings(ratings, 0.2, 1);
  const auto c = baselines::split_ratings(ratings, 0.2, 2);
  EXPECT_EQ(a.test.size(), 20167u);  // round(0.2 * 100,836)
  EXPECT_EQ(a.train.size() + a.test.size(), ratings.size());
  ASSERT_EQ(a.test.size(), b.test.size());
  bool same = true, differs = false;
  for (std::size_t i = 0; i < a.test.size(); ++i) {
    same &= a.test[i].user == b.test[i].user && a.test[i].item == b.test[i].item;
    differs |= a.test[i].user != c.test[i].user || a.test[i].item != c.test[i].item;
  }
  EXPECT_TRUE(same);
  EXPECT_TRUE(differs);
}

TEST(MovieLens, MeanBaselinesMatchPandas) {
  const auto split = baselines::split_ratings(movielens(), 0.2, 7);
  baselines::KeyMean user(baselines::KeyMean::Key::User), item(baselines::KeyMean::Key::Item);
  baselines::GlobalMean global;
  user.fit(split.train);
  item.fit(split.train);
  global.fit(split.train);
  const auto dir = scratch_dir();
  write_csv(split.train, dir / "train.csv");
  write_csv(split.test, dir / "test.csv");
  const auto r = run_python(R"PY(
import json, sys
import numpy as np, pandas as pd
train = pd.read_csv(sys.argv[1]); test = pd.read_csv(sys.argv[2])
mu = train.rating.mean()
def rmse(key):
    means = train.groupby(key).rating.mean()
    pred = test[key].map(means).fillna(mu)
    return float(np.sqrt(((pred - test.rating) ** 2).mean()))
print(json.dumps({"user": rmse("userId"), "item": rmse("movieId"),
                  "global": float(np.sqrt(((mu - test.rating) ** 2).mean()))}))
)PY",
                            {(dir / "train.csv").string(), (dir / "test.csv").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto expected = nlohmann::json::parse(r.out);
  EXPECT_NEAR(baselines::rmse(user, split.test), expected["user"].get<double>(), 1e-9);
  EXPECT_NEAR(baselines::rmse(item, split.test), expected["item"].get<double>(), 1e-9);
  EXPECT_NEAR(baselines::rmse(global, split.test), expected["global"].get<double>(), 1e-9);
}

TEST(MovieLens, MatrixFactorisationBeatsUserAndItemAverages) {
  const auto split = baselines::split_ratings(movielens(), 0.2, 2024);
  baselines::KeyMean user(baselines::KeyMean::Key::User), item(baselines::KeyMean::Key::Item);
  user.fit(split.train);
  item.fit(split.train);
  baselines::MfOptions options;
  options.seed = 2024;
  baselines::BiasedMf mf(options);
  mf.fit(split.train);
  const double mf_rmse = baselines::rmse(mf, split.test);
  const double user_rmse = baselines::rmse(user, split.test);
  const double item_rmse = baselines::rmse(item, split.test);
  RecordProperty("mf_rmse", fmt::format("{:.4f}", mf_rmse));
  RecordProperty("user_rmse", fmt::format("{:.4f}", user_rmse));
  RecordProperty("item_rmse", fmt::format("{:.4f}", item_rmse));
  std::cout << fmt::format("MovieLens 80/20: MF {:.4f}, user average {:.4f}, item average {:.4f}\n",
                           mf_rmse, user_rmse, item_rmse);
  EXPECT_LT(mf_rmse, user_rmse);
  EXPECT_LT(mf_rmse, item_rmse);
  // Training error falls as SGD proceeds.
  const auto& mse = mf.training_mse();
  ASSERT_EQ(mse.size(), static_cast<std::size_t>(options.epochs));
  EXPECT_LT(mse.back(), mse.front());
}

}  // namespace
}  // namespace reasonrec::test
