// Backoff, Retry-After, rate limits and the endpoint pool, with time passed in explicitly.
#include <gtest/gtest.h>

#include <curl/curl.h>

#include "llm/endpoint_pool.hpp"
#include "llm/rate_limiter.hpp"
#include "llm/retry_policy.hpp"

namespace reasonrec::llm {
namespace {

using std::chrono::milliseconds;

double secs(Duration d) {
  return std::chrono::duration<double>(d).count();
}

TEST(Backoff, DoublesUpToTheCapWithJitterInTheUpperHalf) {
  BackoffOptions o{milliseconds(100), milliseconds(1000)};
  Rng rng(1);
  for (int trial = 0; trial < 200; ++trial) {
    for (int retry = 1; retry <= 8; ++retry) {
      const double nominal = std::min(1.0, 0.1 * (1 << (retry - 1)));
      const double d = secs(backoff_delay(retry, o, rng));
      EXPECT_GE(d, 0.5 * nominal - 1e-9);
      EXPECT_LT(d, nominal + 1e-9);
    }
  }
}

TEST(Backoff, SameSeedSameDelays) {
  BackoffOptions o;
  Rng a(9), b(9), c(10);
  bool differs = false;
  for (int retry = 1; retry < 6; ++retry) {
    const auto x = backoff_delay(retry, o, a);
    EXPECT_EQ(x, backoff_delay(retry, o, b));
    differs |= x != backoff_delay(retry, o, c);
  }
  EXPECT_TRUE(differs);
}

TEST(RetryAfter, MillisecondsSecondsAndDates) {
  const double now = 1700000000;
  EXPECT_EQ(parse_retry_after("", "250", now), milliseconds(250));
  EXPECT_EQ(parse_retry_after("3", "250", now), milliseconds(250));  // the precise one wins
  EXPECT_EQ(parse_retry_after(" 3\r\n", "", now), milliseconds(3000));
  EXPECT_EQ(parse_retry_after("0.5", "", now), milliseconds(500));
  // An HTTP-date 7 s after now.
  char date[64];
  const time_t later = static_cast<time_t>(now) + 7;
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", std::gmtime(&later));
  EXPECT_EQ(parse_retry_after(date, "", now), milliseconds(7000));
  // A date in the past means now.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", "", now), Duration::zero());
  EXPECT_FALSE(parse_retry_after("", "", now).has_value());
  EXPECT_FALSE(parse_retry_after("soon", "-5", now).has_value());
}

TEST(Outcome, WhatIsRetriedAndWhatCountsAgainstAnEndpoint) {
  EXPECT_EQ(outcome_of_status(200), AttemptOutcome::Success);
  EXPECT_EQ(outcome_of_status(429), AttemptOutcome::RateLimited);
  EXPECT_EQ(outcome_of_status(408), AttemptOutcome::ServerError);
  EXPECT_EQ(outcome_of_status(503), AttemptOutcome::ServerError);
  EXPECT_EQ(outcome_of_status(400), AttemptOutcome::ClientError);
  EXPECT_EQ(outcome_of_status(401), AttemptOutcome::ClientError);
  EXPECT_FALSE(is_retryable(AttemptOutcome::ClientError));
  EXPECT_TRUE(is_retryable(AttemptOutcome::MalformedBody));
  EXPECT_TRUE(is_retryable(AttemptOutcome::RateLimited));
  EXPECT_FALSE(is_endpoint_fault(AttemptOutcome::RateLimited));
  EXPECT_FALSE(is_endpoint_fault(AttemptOutcome::MalformedBody));
  EXPECT_TRUE(is_endpoint_fault(AttemptOutcome::ConnectFailed));
  EXPECT_TRUE(is_endpoint_fault(AttemptOutcome::Timeout));
}

TEST(TokenBucket, RefillsAtTheRateUpToTheBurst) {
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  TokenBucket b(60, 3, t0);  // one a second, three at once
  EXPECT_TRUE(b.try_take(1, t0));
  EXPECT_TRUE(b.try_take(1, t0));
  EXPECT_TRUE(b.try_take(1, t0));
  EXPECT_FALSE(b.try_take(1, t0));
  EXPECT_EQ(b.available_at(1, t0), t0 + std::chrono::seconds(1));
  EXPECT_FALSE(b.try_take(1, t0 + milliseconds(999)));
  EXPECT_TRUE(b.try_take(1, t0 + milliseconds(1000)));
  // After a long pause only the burst is there.
  const auto later = t0 + std::chrono::hours(1);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(b.try_take(1, later));
  EXPECT_FALSE(b.try_take(1, later));
}

TEST(TokenBucket, OversizedRequestWaitsForAFullBucketThenOverdraws) {
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  TokenBucket b(600, 10, t0);       // 10 a second
  EXPECT_TRUE(b.try_take(25, t0));  // full bucket: granted, balance -15
  EXPECT_FALSE(b.try_take(1, t0 + milliseconds(1500)));
  EXPECT_EQ(b.available_at(1, t0 + milliseconds(1500)), t0 + milliseconds(1600));
  TokenBucket unlimited(0, 0, t0);
  EXPECT_TRUE(unlimited.try_take(1e12, t0));
}

TEST(RateLimiter, BothLimitsMustAllowAndUsageCorrectsTheEstimate) {
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  RateLimiter l(600, 6000, t0);  // bursts: 60 requests, 600 tokens
  EXPECT_TRUE(l.try_acquire(500, t0));
  EXPECT_FALSE(l.try_acquire(200, t0));  // tokens short, requests fine
  l.correct(500, 100);                   // it really cost 100
  EXPECT_TRUE(l.try_acquire(200, t0));
}

TEST(EndpointPool, LeastOutstandingWithRotatingTies) {
  EndpointPool pool({"a", "b", "c"}, {});
  const auto now = Clock::now();
  std::vector<std::size_t> picks;
  for (int i = 0; i < 6; ++i) {
    const auto p = pool.pick(now);
    ASSERT_TRUE(p.has_value());
    pool.on_start(*p);
    picks.push_back(*p);
  }
  EXPECT_EQ(picks, (std::vector<std::size_t>{0, 1, 2, 0, 1, 2}));
  pool.on_success(1);
  pool.on_success(1);
  EXPECT_EQ(pool.pick(now), 1u);  // b has nothing outstanding now
}

TEST(EndpointPool, DeadAfterConsecutiveFaultsThenProbedAfterACooldown) {
  EndpointPoolOptions o;
  o.failures_before_dead = 2;
  o.cooldown = milliseconds(100);
  o.max_cooldown = milliseconds(250);
  EndpointPool pool({"a", "b"}, o);
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  pool.on_start(0);
  pool.on_fault(0, t0);
  EXPECT_FALSE(pool.all_dead());
  pool.on_start(0);
  pool.on_success(0);  // a success resets the count
  pool.on_start(0);
  pool.on_fault(0, t0);
  pool.on_start(0);
  pool.on_fault(0, t0);  // two in a row: out
  for (int i = 0; i < 4; ++i) EXPECT_EQ(pool.pick(t0 + milliseconds(50)), 1u);
  // Cooldown over: one probe at a time.
  const auto t1 = t0 + milliseconds(100);
  EXPECT_EQ(pool.pick(t1), 0u);
  pool.on_start(0);
  EXPECT_EQ(pool.pick(t1), 1u);
  pool.on_fault(0, t1);  // failed probe: out again for twice as long
  EXPECT_EQ(pool.stats()[0].deaths, 2);
  EXPECT_EQ(pool.pick(t1 + milliseconds(199)), 1u);
  EXPECT_EQ(pool.pick(t1 + milliseconds(200)), 0u);
  pool.on_start(0);
  pool.on_success(0);  // probe succeeded: back in the rotation
  pool.on_start(0);
  EXPECT_EQ(pool.pick(t1 + milliseconds(200)), 1u);  // fewest outstanding, not because dead
}

TEST(EndpointPool, AllDeadAndPauses) {
  EndpointPoolOptions o;
  o.failures_before_dead = 1;
  o.cooldown = milliseconds(100);
  EndpointPool pool({"a", "b"}, o);
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  pool.pause_until(0, t0 + milliseconds(30));
  pool.pause_until(1, t0 + milliseconds(50));
  EXPECT_FALSE(pool.pick(t0).has_value());
  EXPECT_EQ(pool.next_available(t0), t0 + milliseconds(30));
  EXPECT_FALSE(pool.all_dead());
  pool.on_start(0);
  pool.on_fault(0, t0 + milliseconds(30));
  EXPECT_FALSE(pool.all_dead());
  pool.on_start(1);
  pool.on_fault(1, t0 + milliseconds(50));
  EXPECT_TRUE(pool.all_dead());
  EXPECT_EQ(pool.next_available(t0 + milliseconds(50)), t0 + milliseconds(130));
}

TEST(EndpointPool, LoneEndpointIsNeverBenched) {
  EndpointPoolOptions o;
  o.failures_before_dead = 2;
  o.cooldown = milliseconds(5000);
  EndpointPool pool({"a"}, o);
  const auto t0 = Clock::time_point{} + std::chrono::hours(1);
  for (int i = 0; i < 10; ++i) {
    const auto now = t0 + milliseconds(i);
    ASSERT_EQ(pool.pick(now), 0u) << "after " << i << " faults";
    EXPECT_EQ(pool.next_available(now), now);
    pool.on_start(0);
    pool.on_start(0);  // several at once, not one probe at a time
    pool.on_fault(0, now);
    pool.on_fault(0, now);
  }
  EXPECT_EQ(pool.stats()[0].deaths, 0);
  EXPECT_EQ(pool.stats()[0].faults, 20u);
  // Still reported failing, so that a server that stays down ends the run (give_up_after).
  EXPECT_TRUE(pool.all_dead());
  pool.on_start(0);
  pool.on_success(0);
  EXPECT_FALSE(pool.all_dead());
  // A 429's pause still holds it back.
  pool.pause_until(0, t0 + milliseconds(500));
  EXPECT_FALSE(pool.pick(t0 + milliseconds(100)).has_value());
  EXPECT_EQ(pool.next_available(t0 + milliseconds(100)), t0 + milliseconds(500));
}

}  // namespace
}  // namespace reasonrec::llm
