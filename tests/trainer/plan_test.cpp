// The learning-rate schedules against transformers' formulas, and the seeded data order.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "train/batch_plan.hpp"
#include "train/lr_schedule.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace {

TEST(LearningRate, WarmsUpLinearlyThenFollowsTheSchedule) {
  // transformers: step < warmup -> step / warmup; linear: (total - step) / (total - warmup);
  // cosine: 0.5 * (1 + cos(pi * progress)).
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::linear, 1.0, 0, 10, 110), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::linear, 1.0, 5, 10, 110), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::linear, 2.0, 10, 10, 110), 2.0);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::linear, 2.0, 60, 10, 110), 1.0);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::linear, 2.0, 110, 10, 110), 0.0);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::constant, 2.0, 109, 10, 110), 2.0);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::cosine, 1.0, 35, 10, 110),
                   0.5 * (1.0 + std::cos(std::numbers::pi * 0.25)));
  EXPECT_NEAR(learning_rate(Schedule::cosine, 1.0, 110, 10, 110), 0.0, 1e-15);
  EXPECT_DOUBLE_EQ(learning_rate(Schedule::cosine, 1.0, 3, 0, 10),
                   0.5 * (1.0 + std::cos(std::numbers::pi * 0.3)));
}

TEST(LearningRate, ScheduleNamesRoundTripAndUnknownOnesAreRefused) {
  for (const Schedule s : {Schedule::constant, Schedule::linear, Schedule::cosine}) {
    EXPECT_EQ(parse_schedule(schedule_name(s)), s);
  }
  EXPECT_THROW(parse_schedule("exponential"), UsageError);
}

TEST(BatchPlan, EveryExampleOncePerEpochInSeededOrder) {
  std::vector<std::int64_t> lengths;
  for (int i = 0; i < 203; ++i) lengths.push_back((i * 37) % 50 + 1);
  const auto a = epoch_micro_batches(lengths, 8, 42, 0);
  const auto again = epoch_micro_batches(lengths, 8, 42, 0);
  const auto next_epoch = epoch_micro_batches(lengths, 8, 42, 1);
  const auto other_seed = epoch_micro_batches(lengths, 8, 43, 0);
  EXPECT_EQ(a, again);
  EXPECT_NE(a, next_epoch);
  EXPECT_NE(a, other_seed);
  std::vector<std::size_t> seen;
  int short_batches = 0;
  for (const auto& batch : a) {
    EXPECT_LE(batch.size(), 8u);
    short_batches += batch.size() < 8 ? 1 : 0;
    seen.insert(seen.end(), batch.begin(), batch.end());
  }
  EXPECT_EQ(short_batches, 1);  // 203 = 25 * 8 + 3
  std::sort(seen.begin(), seen.end());
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], i);
}

TEST(BatchPlan, MicroBatchesHoldSimilarLengths) {
  // Length bucketing: within a pool the spread of a micro-batch is small next to the data's.
  std::vector<std::int64_t> lengths;
  for (int i = 0; i < 256; ++i) lengths.push_back((i * 97) % 200 + 1);
  double spread = 0.0;
  const auto plan = epoch_micro_batches(lengths, 8, 1, 0);
  for (const auto& batch : plan) {
    std::int64_t lo = 1000, hi = 0;
    for (const std::size_t i : batch) {
      lo = std::min(lo, lengths[i]);
      hi = std::max(hi, lengths[i]);
    }
    spread += static_cast<double>(hi - lo);
  }
  EXPECT_LT(spread / static_cast<double>(plan.size()), 20.0);  // of a range of 200
}

}  // namespace
}  // namespace reasonrec::train
