#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "llm/rate_limiter.hpp"

namespace reasonrec::llm {

struct EndpointPoolOptions {
  int failures_before_dead = 3;                   // consecutive endpoint faults
  std::chrono::milliseconds cooldown{5000};       // first time out of the rotation
  std::chrono::milliseconds max_cooldown{60000};  // doubled per death up to this
};

struct EndpointStats {
  std::string base_url;
  std::uint64_t requests = 0;
  std::uint64_t successes = 0;
  std::uint64_t faults = 0;
  int deaths = 0;  // times taken out of the rotation (benched for a cooldown)
};

// A fleet of equivalent servers. New requests go to the live endpoint with the fewest
// outstanding requests (ties rotate). After `failures_before_dead` consecutive faults an
// endpoint is taken out for a cooldown that doubles each time; when the cooldown ends it gets
// one probe request, and a success brings it back. A 429 with Retry-After pauses the endpoint
// for that long without counting against it.
//
// A fleet of one has nowhere else to send work, so its endpoint is never benched: it keeps
// taking requests (each retry waits its own backoff) however many faults come in a row. It is
// still reported unhealthy (all_dead) while its faults last, so that a server that stays down
// ends the run after give_up_after instead of retrying forever.
class EndpointPool {
 public:
  EndpointPool(std::vector<std::string> base_urls, EndpointPoolOptions options);

  std::size_t size() const { return endpoints_.size(); }
  const std::string& base_url(std::size_t i) const { return endpoints_[i].stats.base_url; }

  // The endpoint for the next request, or nothing when none can take one now.
  std::optional<std::size_t> pick(Clock::time_point now);
  void on_start(std::size_t i);
  void on_success(std::size_t i);
  void on_fault(std::size_t i, Clock::time_point now);
  // The request ended without saying anything about the endpoint's health.
  void on_neutral(std::size_t i);
  void pause_until(std::size_t i, Clock::time_point until);

  // Earliest time a currently unavailable endpoint may take a request (max() when never).
  Clock::time_point next_available(Clock::time_point now) const;
  // True when every endpoint is out of the rotation (dead, not merely busy or paused).
  bool all_dead() const;
  std::vector<EndpointStats> stats() const;

 private:
  struct Endpoint {
    EndpointStats stats;
    int outstanding = 0;
    int consecutive_faults = 0;
    bool dead = false;  // out of the rotation (fleets) or failing (a lone endpoint)
    Clock::time_point revive_at{};
    Clock::time_point paused_until{};
  };
  bool can_take(const Endpoint& e, Clock::time_point now) const;

  std::vector<Endpoint> endpoints_;
  EndpointPoolOptions options_;
  std::size_t cursor_ = 0;
};

}  // namespace reasonrec::llm
