#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/constraint/token_constraint.hpp"

namespace reasonrec::engine {

struct ConstraintCacheOptions {
  // Compiled constraints kept for reuse, besides the pinned ones; the least recently used are
  // dropped first once either limit is passed (TokenConstraint::memory_bytes, which grows as
  // generations visit new states).
  std::size_t max_entries = 64;
  std::size_t max_bytes = std::size_t{128} << 20;
  // For every compile; `cancelled` is replaced by the asking client's.
  CompileLimits limits;
};

struct ConstraintCacheStats {
  std::size_t entries = 0;  // pinned ones included
  std::size_t bytes = 0;    // pinned ones included
  std::uint64_t hits = 0;
  std::uint64_t compiles = 0;  // started
  std::uint64_t failures = 0;  // refused: bad or too complex (repeats answered from memory too)
  std::uint64_t cancelled = 0;
  std::uint64_t evictions = 0;
};

// Compiled constraints by regex, shared by every request. Compiling happens on the asking
// thread without the cache's lock, so a slow compile holds up only the requests that want the
// same regex (they wait for that one compile), never a request for another regex or a cached
// one. A compile stops when its client has gone; a waiter for the same regex then compiles it
// itself. After a failed or cancelled compile or an eviction, freed memory is handed back to
// the system.
class ConstraintCache {
 public:
  using Compile = std::function<std::shared_ptr<const TokenConstraint>(const std::string& regex,
                                                                       const CompileLimits&)>;
  // `compile` builds a constraint within the limits given (TokenConstraint's constructor).
  ConstraintCache(Compile compile, ConstraintCacheOptions options);
  ConstraintCache(const ConstraintCache&) = delete;
  ConstraintCache& operator=(const ConstraintCache&) = delete;

  // Kept for good and not counted against the limits (the server's own constraint). Compiles
  // without a time limit; throws as the constructor of TokenConstraint.
  std::shared_ptr<const TokenConstraint> pin(const std::string& regex);

  // The compiled constraint. Throws what compiling throws (UsageError, ConstraintLimitError);
  // ConstraintCancelled once `gone` says so while compiling or waiting for another's compile.
  // Deterministic refusals are remembered, so a repeated hostile pattern costs nothing.
  std::shared_ptr<const TokenConstraint> get(const std::string& regex,
                                             const std::function<bool()>& gone = {});

  ConstraintCacheStats stats() const;

 private:
  // An unpinned entry's place in the LRU order: its key in entries_ (which never moves) and
  // its constraint, so that the limits are checked without hashing any regex.
  struct Use {
    const std::string* regex;
    const TokenConstraint* constraint;
  };
  struct Entry {
    std::shared_ptr<const TokenConstraint> constraint;
    bool pinned = false;
    std::list<Use>::iterator lru;  // unpinned only
  };
  struct Flight {
    bool done = false;
    std::shared_ptr<const TokenConstraint> result;
    std::exception_ptr error;  // set when failed; neither set: cancelled
  };

  // Drops least recently used entries past the limits; returns whether any was dropped.
  bool evict_locked();
  void remember_failure_locked(const std::string& regex, std::exception_ptr error);

  Compile compile_;
  ConstraintCacheOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable compiled_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<Use> lru_;  // most recent first
  std::unordered_map<std::string, std::shared_ptr<Flight>> in_flight_;
  std::unordered_map<std::string, std::exception_ptr> failures_;
  std::list<std::string> failure_order_;  // oldest last
  ConstraintCacheStats stats_;
};

// Hands memory the allocator holds but no longer uses back to the system (glibc keeps freed
// chunks of a large compile otherwise); a no-op elsewhere.
void release_free_memory();

}  // namespace reasonrec::engine
