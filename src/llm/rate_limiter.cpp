#include "llm/rate_limiter.hpp"

#include <algorithm>

namespace reasonrec::llm {

TokenBucket::TokenBucket(double rate_per_minute, double burst, Clock::time_point now)
    : rate_per_second_(rate_per_minute / 60.0),
      burst_(std::max(1.0, burst)),
      tokens_(std::max(1.0, burst)),
      last_(now) {}

void TokenBucket::refill(Clock::time_point now) {
  if (now <= last_) return;
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_per_second_);
  last_ = now;
}

bool TokenBucket::try_take(double amount, Clock::time_point now) {
  if (unlimited()) return true;
  refill(now);
  const double needed = std::min(amount, burst_);
  if (tokens_ < needed) return false;
  tokens_ -= amount;
  return true;
}

void TokenBucket::adjust(double delta) {
  if (unlimited()) return;
  tokens_ = std::min(burst_, tokens_ + delta);
}

Clock::time_point TokenBucket::available_at(double amount, Clock::time_point now) {
  if (unlimited()) return now;
  refill(now);
  const double needed = std::min(amount, burst_);
  if (tokens_ >= needed) return now;
  const double wait = (needed - tokens_) / rate_per_second_;
  return now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(wait));
}

// Bursts of a tenth of a minute's quota: servers that enforce limits per minute usually also
// police shorter windows, so a full minute's burst at start would be refused.
RateLimiter::RateLimiter(double requests_per_minute, double tokens_per_minute,
                         Clock::time_point now)
    : requests_(requests_per_minute, requests_per_minute / 10.0, now),
      tokens_(tokens_per_minute, tokens_per_minute / 10.0, now) {}

bool RateLimiter::try_acquire(double tokens, Clock::time_point now) {
  if (requests_.available_at(1, now) > now || tokens_.available_at(tokens, now) > now) {
    return false;
  }
  requests_.try_take(1, now);
  tokens_.try_take(tokens, now);
  return true;
}

void RateLimiter::correct(double estimated_tokens, double actual_tokens) {
  tokens_.adjust(estimated_tokens - actual_tokens);
}

Clock::time_point RateLimiter::available_at(double tokens, Clock::time_point now) {
  return std::max(requests_.available_at(1, now), tokens_.available_at(tokens, now));
}

}  // namespace reasonrec::llm
