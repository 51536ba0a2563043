#pragma once

#include <chrono>

namespace reasonrec::llm {

using Clock = std::chrono::steady_clock;

// A token bucket: `rate_per_minute` tokens a minute, up to `burst` held at once. Time is
// passed in, so the arithmetic is testable without sleeping. A rate of 0 means unlimited.
class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(double rate_per_minute, double burst, Clock::time_point now);

  bool unlimited() const { return rate_per_second_ <= 0; }
  // Takes `amount` tokens if they are there. An amount larger than the burst is granted when
  // the bucket is full (the balance goes negative), so an oversized request is slowed, not
  // refused forever.
  bool try_take(double amount, Clock::time_point now);
  // Gives tokens back or takes more after the fact (a request's real size replacing its
  // estimate); the balance may go negative.
  void adjust(double delta);
  // When `amount` tokens will be available (now, when they already are).
  Clock::time_point available_at(double amount, Clock::time_point now);

 private:
  void refill(Clock::time_point now);

  double rate_per_second_ = 0;
  double burst_ = 0;
  double tokens_ = 0;
  Clock::time_point last_{};
};

// Requests-per-minute and tokens-per-minute limits together. The token cost of a request is
// estimated before sending (prompt bytes / 4 + max_tokens) and corrected with the usage the
// server reports.
class RateLimiter {
 public:
  RateLimiter() = default;
  RateLimiter(double requests_per_minute, double tokens_per_minute, Clock::time_point now);

  bool try_acquire(double tokens, Clock::time_point now);
  void correct(double estimated_tokens, double actual_tokens);
  Clock::time_point available_at(double tokens, Clock::time_point now);

 private:
  TokenBucket requests_;
  TokenBucket tokens_;
};

}  // namespace reasonrec::llm
