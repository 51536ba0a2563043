#include "llm/endpoint_pool.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace reasonrec::llm {

EndpointPool::EndpointPool(std::vector<std::string> base_urls, EndpointPoolOptions options)
    : options_(options) {
  if (base_urls.empty()) throw UsageError("no base URL given");
  for (auto& url : base_urls) {
    Endpoint e;
    e.stats.base_url = std::move(url);
    endpoints_.push_back(std::move(e));
  }
}

bool EndpointPool::can_take(const Endpoint& e, Clock::time_point now) const {
  if (now < e.paused_until) return false;
  if (endpoints_.size() == 1) return true;
  // A dead endpoint whose cooldown is over is probed with one request at a time.
  if (e.dead) return now >= e.revive_at && e.outstanding == 0;
  return true;
}

std::optional<std::size_t> EndpointPool::pick(Clock::time_point now) {
  std::optional<std::size_t> best;
  const std::size_t n = endpoints_.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (cursor_ + k) % n;
    const Endpoint& e = endpoints_[i];
    if (!can_take(e, now)) continue;
    if (!best || e.outstanding < endpoints_[*best].outstanding) best = i;
  }
  if (best) cursor_ = (*best + 1) % n;
  return best;
}

void EndpointPool::on_start(std::size_t i) {
  ++endpoints_[i].outstanding;
  ++endpoints_[i].stats.requests;
}

void EndpointPool::on_success(std::size_t i) {
  Endpoint& e = endpoints_[i];
  --e.outstanding;
  ++e.stats.successes;
  e.consecutive_faults = 0;
  e.dead = false;
}

void EndpointPool::on_fault(std::size_t i, Clock::time_point now) {
  Endpoint& e = endpoints_[i];
  --e.outstanding;
  ++e.stats.faults;
  ++e.consecutive_faults;
  if (endpoints_.size() == 1) {
    // Nowhere else to go: never benched, only marked failing (for the give-up timer).
    e.dead = e.consecutive_faults >= options_.failures_before_dead;
    return;
  }
  // A failed probe sends the endpoint straight back out; a live one after enough faults.
  if (e.dead || e.consecutive_faults >= options_.failures_before_dead) {
    ++e.stats.deaths;
    e.dead = true;
    const int doublings = std::min(e.stats.deaths - 1, 20);
    const auto cooldown = std::min<std::chrono::milliseconds>(
        options_.max_cooldown, options_.cooldown * (std::int64_t{1} << doublings));
    e.revive_at = now + cooldown;
  }
}

void EndpointPool::on_neutral(std::size_t i) {
  --endpoints_[i].outstanding;
}

void EndpointPool::pause_until(std::size_t i, Clock::time_point until) {
  endpoints_[i].paused_until = std::max(endpoints_[i].paused_until, until);
}

Clock::time_point EndpointPool::next_available(Clock::time_point now) const {
  auto earliest = Clock::time_point::max();
  for (const auto& e : endpoints_) {
    if (can_take(e, now)) return now;
    auto t = std::max(e.paused_until, e.dead ? e.revive_at : now);
    // A probing endpoint frees up when its probe ends, which is not a time we know.
    if (e.dead && e.outstanding > 0 && endpoints_.size() > 1) continue;
    earliest = std::min(earliest, t);
  }
  return earliest;
}

bool EndpointPool::all_dead() const {
  return std::all_of(endpoints_.begin(), endpoints_.end(),
                     [](const Endpoint& e) { return e.dead; });
}

std::vector<EndpointStats> EndpointPool::stats() const {
  std::vector<EndpointStats> out;
  for (const auto& e : endpoints_) out.push_back(e.stats);
  return out;
}

}  // namespace reasonrec::llm
