#include "engine/constraint/constraint_cache.hpp"

#include <chrono>
#include <utility>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace reasonrec::engine {
namespace {

// How often a request waiting for another's compile looks whether its own client is there.
constexpr auto kPoll = std::chrono::milliseconds(20);
// Refusals remembered (patterns longer than this are not: a client could fill memory with them).
constexpr std::size_t kMaxFailures = 64;
constexpr std::size_t kMaxRememberedPattern = 4096;

std::size_t entry_bytes(const std::string& regex, const TokenConstraint& constraint) {
  return regex.size() + constraint.memory_bytes();
}

}  // namespace

void release_free_memory() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

ConstraintCache::ConstraintCache(Compile compile, ConstraintCacheOptions options)
    : compile_(std::move(compile)), options_(std::move(options)) {}

std::shared_ptr<const TokenConstraint> ConstraintCache::pin(const std::string& regex) {
  CompileLimits limits = options_.limits;
  limits.max_time = std::chrono::milliseconds(0);
  limits.cancelled = nullptr;
  auto constraint = compile_(regex, limits);
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(regex);
  if (!inserted && !it->second.pinned) lru_.erase(it->second.lru);
  it->second.constraint = constraint;
  it->second.pinned = true;
  return constraint;
}

std::shared_ptr<const TokenConstraint> ConstraintCache::get(const std::string& regex,
                                                            const std::function<bool()>& gone) {
  std::unique_lock lock(mutex_);
  while (true) {
    if (auto it = entries_.find(regex); it != entries_.end()) {
      ++stats_.hits;
      auto constraint = it->second.constraint;
      if (!it->second.pinned) lru_.splice(lru_.begin(), lru_, it->second.lru);
      const bool dropped = evict_locked();  // what it holds may have grown since
      lock.unlock();
      if (dropped) release_free_memory();
      return constraint;
    }
    if (auto failed = failures_.find(regex); failed != failures_.end()) {
      ++stats_.failures;
      std::rethrow_exception(failed->second);
    }
    const auto flying = in_flight_.find(regex);
    if (flying == in_flight_.end()) break;
    // Another request compiles this regex: wait for it rather than compile it twice.
    const std::shared_ptr<Flight> flight = flying->second;
    while (!flight->done) {
      compiled_.wait_for(lock, kPoll);
      if (flight->done || !gone) continue;
      lock.unlock();
      const bool left = gone();
      lock.lock();
      if (left && !flight->done) {
        ++stats_.cancelled;
        throw ConstraintCancelled();
      }
    }
    if (flight->result) {
      ++stats_.hits;
      return flight->result;
    }
    if (flight->error) std::rethrow_exception(flight->error);
    // Its client left and the compile stopped: compile it here (the loop looks again).
  }

  const auto flight = std::make_shared<Flight>();
  in_flight_.emplace(regex, flight);
  ++stats_.compiles;
  lock.unlock();

  CompileLimits limits = options_.limits;
  limits.cancelled = gone;
  std::shared_ptr<const TokenConstraint> constraint;
  std::exception_ptr error;
  try {
    constraint = compile_(regex, limits);
  } catch (const ConstraintCancelled&) {
    // neither result nor error
  } catch (...) {
    error = std::current_exception();
  }

  lock.lock();
  in_flight_.erase(regex);
  flight->done = true;
  flight->result = constraint;
  flight->error = error;
  bool dropped = false;
  if (constraint) {
    auto [it, inserted] = entries_.try_emplace(regex);
    if (inserted) {
      lru_.push_front(Use{&it->first, constraint.get()});
      it->second.lru = lru_.begin();
      it->second.constraint = constraint;
    }
    dropped = evict_locked();
  } else if (error) {
    ++stats_.failures;
    remember_failure_locked(regex, error);
  } else {
    ++stats_.cancelled;
  }
  lock.unlock();
  compiled_.notify_all();
  if (!constraint || dropped) release_free_memory();
  if (error) std::rethrow_exception(error);
  if (!constraint) throw ConstraintCancelled();
  return constraint;
}

bool ConstraintCache::evict_locked() {
  std::size_t bytes = 0;
  for (const Use& use : lru_) bytes += entry_bytes(*use.regex, *use.constraint);
  bool dropped = false;
  while (!lru_.empty() && (lru_.size() > options_.max_entries || bytes > options_.max_bytes)) {
    const Use last = lru_.back();
    bytes -= entry_bytes(*last.regex, *last.constraint);
    lru_.pop_back();
    entries_.erase(entries_.find(*last.regex));
    ++stats_.evictions;
    dropped = true;
  }
  return dropped;
}

void ConstraintCache::remember_failure_locked(const std::string& regex, std::exception_ptr error) {
  // Only refusals that do not depend on the load: a bad regex or a limit other than time.
  try {
    std::rethrow_exception(error);
  } catch (const ConstraintLimitError& e) {
    if (e.limit() == ConstraintLimitError::Limit::Time) return;
  } catch (const UsageError&) {
  } catch (...) {
    return;
  }
  if (regex.size() > kMaxRememberedPattern || failures_.count(regex)) return;
  if (failures_.size() >= kMaxFailures) {
    failures_.erase(failure_order_.back());
    failure_order_.pop_back();
  }
  failures_.emplace(regex, std::move(error));
  failure_order_.push_front(regex);
}

ConstraintCacheStats ConstraintCache::stats() const {
  std::lock_guard lock(mutex_);
  ConstraintCacheStats out = stats_;
  out.entries = entries_.size();
  out.bytes = 0;
  for (const auto& [regex, entry] : entries_) out.bytes += entry_bytes(regex, *entry.constraint);
  return out;
}

}  // namespace reasonrec::engine
