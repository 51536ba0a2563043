// Cancellation, back-pressure, failures and shutdown of the serving engine.

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "engine/serving_engine.hpp"
#include "serving_fixture.hpp"

namespace reasonrec::engine::test {
namespace {

// A request that runs until cancelled: it ignores the end of sequence, may take 4000 tokens
// and its callback slows every token down.
GenerationSpec endless(std::uint64_t seed) {
  GenerationSpec spec;
  spec.prompt = joined({1}, random_tokens(seed, 20));
  spec.max_new_tokens = 4000;
  spec.ignore_eos = true;
  return spec;
}

struct Started {
  std::promise<void> promise;
  std::atomic<bool> once{false};
  std::atomic<int> tokens{0};
  GenerationCallbacks callbacks() {
    return {[this](const TokenEvent&) {
              ++tokens;
              if (!once.exchange(true)) promise.set_value();
              std::this_thread::sleep_for(std::chrono::milliseconds(1));
            },
            {}};
  }
  void wait() { promise.get_future().wait(); }
};

TEST(Cancel, ARunningRequestStopsAndReturnsWhatItHas) {
  ServingEngine engine(tiny_model());
  Started started;
  std::atomic<int> finished{0};
  GenerationCallbacks callbacks = started.callbacks();
  std::string finish_reason;
  callbacks.on_finish = [&](int, const Generation& g) {
    ++finished;
    finish_reason = g.finish_reason;
  };
  GenerationSpec spec = endless(1);
  spec.n = 2;
  const auto pending = engine.submit(spec, callbacks);
  // Another request shares the batch and is not disturbed.
  GenerationSpec other;
  other.prompt = joined({1}, random_tokens(2, 30));
  other.max_new_tokens = 12;
  const auto neighbour = engine.submit(other);
  started.wait();
  pending->cancel();
  const auto result = pending->wait();
  ASSERT_EQ(result.size(), 2u);
  for (const auto& g : result) {
    EXPECT_EQ(g.finish_reason, "cancelled");
    EXPECT_LT(g.tokens.size(), 4000u);
  }
  EXPECT_EQ(finished.load(), 2);
  EXPECT_EQ(finish_reason, "cancelled");
  expect_same(neighbour->wait(), alone(other), "neighbour");
  EXPECT_EQ(engine.stats().cancelled, 1u);
}

TEST(Cancel, AQueuedRequestNeverStartsAndTheQueueApplies) {
  ServingOptions options;
  options.max_batch_rows = 1;
  options.max_queued = 1;
  ServingEngine engine(tiny_model(), options);
  Started running;
  const auto first = engine.submit(endless(3), running.callbacks());
  running.wait();  // admitted: it holds the only row

  std::atomic<int> queued_tokens{0};
  const GenerationSpec queued_spec = endless(4);
  const auto queued = engine.submit(queued_spec, {[&](const TokenEvent&) { ++queued_tokens; }, {}});
  EXPECT_EQ(engine.try_submit(endless(5)), nullptr);  // the queue is full

  // submit() waits for room; cancelling the queued request makes it.
  std::promise<std::shared_ptr<PendingGeneration>> blocked;
  std::thread submitter([&] { blocked.set_value(engine.submit(endless(6))); });
  auto third = blocked.get_future();
  queued->cancel();
  const auto queued_result = queued->wait();
  ASSERT_EQ(queued_result.size(), 1u);
  EXPECT_EQ(queued_result[0].finish_reason, "cancelled");
  EXPECT_TRUE(queued_result[0].tokens.empty());
  EXPECT_EQ(queued_tokens.load(), 0);
  const auto late = third.get();
  submitter.join();
  ASSERT_NE(late, nullptr);

  late->cancel();
  first->cancel();
  EXPECT_EQ(first->wait()[0].finish_reason, "cancelled");
  EXPECT_EQ(late->wait()[0].finish_reason, "cancelled");
  const ServingStats stats = engine.stats();
  EXPECT_EQ(stats.cancelled, 3u);
  // Only the first prompt ever went through the model.
  EXPECT_EQ(stats.prompt_tokens_computed, endless(3).prompt.size());
  EXPECT_EQ(stats.requests, 3u);
}

TEST(Failure, AThrowingCallbackFailsItsRequestAloneAndTheEngineKeepsServing) {
  ServingEngine engine(tiny_model());
  GenerationSpec spec;
  spec.prompt = joined({1}, random_tokens(8, 25));
  spec.max_new_tokens = 20;
  spec.ignore_eos = true;
  GenerationSpec other = spec;
  other.prompt = joined({1}, random_tokens(9, 25));
  const auto failing = engine.submit(spec, {[](const TokenEvent& event) {
                                              if (event.token.id >= 0) {
                                                throw std::runtime_error("client went away");
                                              }
                                            },
                                            {}});
  const auto fine = engine.submit(other);
  EXPECT_THROW(
      {
        try {
          failing->wait();
        } catch (const std::runtime_error& e) {
          EXPECT_STREQ(e.what(), "client went away");
          throw;
        }
      },
      std::runtime_error);
  EXPECT_TRUE(failing->ready());
  expect_same(fine->wait(), alone(other), "its neighbour");
  expect_same(engine.submit(spec)->wait(), alone(spec), "a later request");
}

TEST(Shutdown, DestroyingTheEngineWithWorkInFlightCancelsItAndReturns) {
  std::vector<std::shared_ptr<PendingGeneration>> pending;
  Started started;
  {
    ServingOptions options;
    options.max_batch_rows = 2;
    ServingEngine engine(tiny_model(), options);
    pending.push_back(engine.submit(endless(10), started.callbacks()));
    for (std::uint64_t seed = 11; seed < 15; ++seed)
      pending.push_back(engine.submit(endless(seed)));
    started.wait();
  }
  for (const auto& p : pending) {
    ASSERT_TRUE(p->ready());
    for (const auto& g : p->wait()) EXPECT_EQ(g.finish_reason, "cancelled");
  }
}

}  // namespace
}  // namespace reasonrec::engine::test
