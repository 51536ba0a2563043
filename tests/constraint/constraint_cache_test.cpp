#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "engine/constraint/constraint_cache.hpp"
#include "engine/constraint/token_constraint.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// 30 bytes that determinise into millions of regex positions (issue 20: 39 s and 750 MB before
// compiling had budgets).
const std::string kHostile = "[ab]*a[ab]{13}(.*){1000}";

// Budgets too large to be reached within a test, but for the clock.
CompileLimits unbounded() {
  CompileLimits limits;
  limits.max_states = 100'000'000;
  limits.max_bytes = std::size_t{1} << 40;
  return limits;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::shared_ptr<const TokenTrie> byte_vocabulary() {
  std::vector<std::string> vocab = {""};  // 0: EOS
  for (int b = 0; b < 256; ++b) vocab.emplace_back(1, static_cast<char>(b));
  vocab.emplace_back("ab");
  return std::make_shared<TokenTrie>(vocab);
}

ConstraintCache::Compile real_compile() {
  return [vocab = byte_vocabulary()](const std::string& regex, const CompileLimits& limits) {
    return std::make_shared<const TokenConstraint>(regex, vocab, std::vector<std::int32_t>{0},
                                                   limits);
  };
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

TEST(CompileLimits, TheHostilePatternIsRefusedWithinTheDefaultBudgetNamingIt) {
  const auto start = Clock::now();
  try {
    ByteDfa dfa(compile_regex(kHostile), CompileLimits{});
    FAIL() << "compiled";
  } catch (const ConstraintLimitError& e) {
    EXPECT_NE(std::string(e.what()).find("too complex"), std::string::npos) << e.what();
    EXPECT_NE(e.limit(), ConstraintLimitError::Limit::Time);
  }
  EXPECT_LT(seconds_since(start), 5.0);
}

TEST(CompileLimits, EachLimitIsNamed) {
  CompileLimits states;
  states.max_states = 1000;
  EXPECT_NE(error_of([&] {
              ByteDfa(compile_regex("(a|b)*a(a|b){12}"), states);
            }).find("over 1000 states"),
            std::string::npos);
  CompileLimits memory = unbounded();
  memory.max_bytes = std::size_t{1} << 20;
  EXPECT_NE(
      error_of([&] { ByteDfa(compile_regex("(a|b)*a(a|b){12}"), memory); }).find("over 1 MiB"),
      std::string::npos);
  CompileLimits time = unbounded();
  time.max_time = milliseconds(200);
  const auto start = Clock::now();
  try {
    ByteDfa dfa(compile_regex(kHostile), time);
    FAIL() << "compiled";
  } catch (const ConstraintLimitError& e) {
    EXPECT_EQ(e.limit(), ConstraintLimitError::Limit::Time);
    EXPECT_NE(std::string(e.what()).find("over 200 ms"), std::string::npos) << e.what();
  }
  EXPECT_LT(seconds_since(start), 2.0);
  // A pattern within every limit still compiles.
  EXPECT_EQ(error_of([&] { ByteDfa(compile_regex("(a|b)*a(a|b){12}"), CompileLimits{}); }),
            "no error");
}

TEST(CompileLimits, CancellingStopsTheCompile) {
  CompileLimits limits = unbounded();
  const auto start = Clock::now();
  limits.cancelled = [&] { return Clock::now() - start > milliseconds(100); };
  EXPECT_THROW(ByteDfa(compile_regex(kHostile), limits), ConstraintCancelled);
  EXPECT_LT(seconds_since(start), 2.0);
}

TEST(TokenConstraintMemory, GrowsWithTheMasksOfVisitedStates) {
  const auto compile = real_compile();
  const auto c = compile("[a-z]+[0-9]", CompileLimits{});
  const std::size_t fresh = c->memory_bytes();
  EXPECT_GT(fresh, 2 * std::size_t{1024});  // a row of 256 transitions per state at least
  c->allowed(c->start());
  const std::size_t after = c->memory_bytes();
  EXPECT_GT(after, fresh + 26 * sizeof(std::int32_t));
  c->allowed(c->start());  // cached: no growth
  EXPECT_EQ(c->memory_bytes(), after);
}

TEST(ConstraintCache, EvictsTheLeastRecentlyUsedPastMaxEntries) {
  int compiles = 0;
  const auto real = real_compile();
  ConstraintCacheOptions options;
  options.max_entries = 2;
  ConstraintCache cache(
      [&](const std::string& regex, const CompileLimits& limits) {
        ++compiles;
        return real(regex, limits);
      },
      options);
  cache.pin("[1-5]");
  cache.get("a");
  cache.get("b");
  cache.get("a");  // b is now the least recently used
  cache.get("c");
  EXPECT_EQ(compiles, 4);
  auto stats = cache.stats();
  EXPECT_EQ(stats.entries, 3u);  // a, c and the pinned one
  EXPECT_EQ(stats.evictions, 1u);
  cache.get("a");
  cache.get("[1-5]");
  EXPECT_EQ(compiles, 4);
  cache.get("b");  // evicted: compiled again, which evicts c
  EXPECT_EQ(compiles, 5);
  stats = cache.stats();
  EXPECT_EQ(stats.evictions, 2u);
  EXPECT_EQ(stats.hits, 3u);
}

TEST(ConstraintCache, EvictsPastMaxBytesCountingTheMasksAsTheyGrow) {
  const auto real = real_compile();
  const std::size_t one = real("x.{8}", CompileLimits{})->memory_bytes();
  int compiles = 0;
  ConstraintCacheOptions options;
  options.max_bytes = 2 * one + one / 4;  // two fresh ones fit
  ConstraintCache cache(
      [&](const std::string& regex, const CompileLimits& limits) {
        ++compiles;
        return real(regex, limits);
      },
      options);
  const std::string pinned = "(a|b)*a(a|b){8}";  // pinned: not counted, never dropped
  cache.pin(pinned);
  cache.get("x.{8}");
  const auto y = cache.get("y.{8}");
  EXPECT_EQ(cache.stats().evictions, 0u);
  // A generation visits y's states: each caches its allowed tokens (any byte but \n: 255 of
  // them), which the cache counts the next time it looks.
  int state = y->advance(y->start(), 'y' + 1);  // token b + 1 writes byte b
  for (int i = 0; i < 4 && state >= 0; ++i) {
    y->allowed(state);
    state = y->advance(state, 'a' + 1);
  }
  ASSERT_GT(y->memory_bytes(), one + one / 2);
  ASSERT_LT(y->memory_bytes(), options.max_bytes);  // alone, y still fits
  cache.get("y.{8}");  // over the budget now: x, the least recently used, goes
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_EQ(cache.stats().entries, 2u);  // y and the pinned one
  EXPECT_LE(cache.stats().bytes - cache.get(pinned)->memory_bytes() - pinned.size(),
            options.max_bytes);
  EXPECT_EQ(compiles, 3);
  cache.get(pinned);
  cache.get("y.{8}");
  EXPECT_EQ(compiles, 3);
  cache.get("x.{8}");
  EXPECT_EQ(compiles, 4);
}

TEST(ConstraintCache, AnUnrelatedRequestNeverWaitsForASlowCompile) {
  ConstraintCacheOptions options;
  options.limits = unbounded();
  options.limits.max_time = milliseconds(1500);
  ConstraintCache cache(real_compile(), options);
  cache.pin("[1-5]");
  const auto started = Clock::now();
  auto hostile =
      std::async(std::launch::async, [&] { return error_of([&] { cache.get(kHostile); }); });
  std::this_thread::sleep_for(milliseconds(100));  // the compile is under way
  const auto before = Clock::now();
  cache.get("[1-5]");        // the pinned one
  cache.get("[a-z]+[0-9]");  // a new one, compiled meanwhile
  EXPECT_LT(seconds_since(before), 0.5);
  EXPECT_EQ(hostile.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the hostile compile ended before the other requests could be shown not to wait";
  const std::string error = hostile.get();
  EXPECT_NE(error.find("over 1500 ms"), std::string::npos) << error;
  EXPECT_LT(seconds_since(started), 5.0);
}

TEST(ConstraintCache, RequestsForTheSameRegexShareOneCompile) {
  std::atomic<int> compiles{0};
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  const auto real = real_compile();
  ConstraintCache cache(
      [&](const std::string& regex, const CompileLimits& limits) {
        ++compiles;
        released.wait();
        return real(regex, limits);
      },
      ConstraintCacheOptions{});
  std::vector<std::future<std::shared_ptr<const TokenConstraint>>> waiting;
  for (int i = 0; i < 4; ++i) {
    waiting.push_back(std::async(std::launch::async, [&] { return cache.get("[1-5]x"); }));
  }
  std::this_thread::sleep_for(milliseconds(100));
  release.set_value();
  const auto first = waiting[0].get();
  for (std::size_t i = 1; i < waiting.size(); ++i) EXPECT_EQ(waiting[i].get(), first);
  EXPECT_EQ(compiles.load(), 1);
}

TEST(ConstraintCache, AClientThatLeavesCancelsItsCompileAndAWaiterTakesItOver) {
  // The compile runs until its client leaves (the first) or is let go (the second's).
  std::atomic<int> compiles{0};
  std::atomic<bool> first_gone{false};
  const auto real = real_compile();
  ConstraintCache cache(
      [&](const std::string& regex, const CompileLimits& limits) {
        const int n = ++compiles;
        while (n == 1) {
          if (limits.cancelled && limits.cancelled()) throw ConstraintCancelled();
          std::this_thread::sleep_for(milliseconds(5));
        }
        return real(regex, limits);
      },
      ConstraintCacheOptions{});
  auto first = std::async(std::launch::async, [&] {
    return error_of([&] { cache.get("ab+", [&] { return first_gone.load(); }); });
  });
  std::this_thread::sleep_for(milliseconds(50));
  auto second =
      std::async(std::launch::async, [&] { return cache.get("ab+", [] { return false; }); });
  std::this_thread::sleep_for(milliseconds(50));
  first_gone = true;
  EXPECT_NE(first.get().find("cancelled"), std::string::npos);
  EXPECT_NE(second.get(), nullptr);
  EXPECT_EQ(compiles.load(), 2);
  EXPECT_EQ(cache.stats().cancelled, 1u);
}

TEST(ConstraintCache, AWaiterWhoseClientLeavesStopsWaiting) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  const auto real = real_compile();
  ConstraintCache cache(
      [&](const std::string& regex, const CompileLimits& limits) {
        released.wait();
        return real(regex, limits);
      },
      ConstraintCacheOptions{});
  auto owner = std::async(std::launch::async, [&] { return cache.get("a+"); });
  std::this_thread::sleep_for(milliseconds(50));
  const auto start = Clock::now();
  EXPECT_THROW(cache.get("a+", [] { return true; }), ConstraintCancelled);
  EXPECT_LT(seconds_since(start), 1.0);
  release.set_value();
  EXPECT_NE(owner.get(), nullptr);
}

TEST(ConstraintCache, RefusalsAreRememberedButNotTimeouts) {
  int compiles = 0;
  const auto real = real_compile();
  ConstraintCacheOptions options;
  options.limits.max_states = 100;
  ConstraintCache cache(
      [&](const std::string& regex, const CompileLimits& limits) {
        ++compiles;
        return real(regex, limits);
      },
      options);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(error_of([&] { cache.get("(a|b)*a(a|b){12}"); }).find("over 100 states"),
              std::string::npos);
    EXPECT_NE(error_of([&] { cache.get("a(b"); }).find("missing ')'"), std::string::npos);
  }
  EXPECT_EQ(compiles, 2);
  EXPECT_EQ(cache.stats().failures, 6u);
}

TEST(ConstraintCache, AFailedCompileGivesItsMemoryBack) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer's allocator keeps freed memory in quarantine";
#endif
  // The allocator's free chunks go back to the system after the refusal (glibc keeps them
  // otherwise): RSS ends near where it started, not tens of MB above.
  auto rss = [] {
    std::FILE* f = std::fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
      if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
      std::fclose(f);
    }
    return static_cast<std::size_t>(resident) * 4096;
  };
  ConstraintCache cache(real_compile(), ConstraintCacheOptions{});
  const std::size_t before = rss();
  EXPECT_NE(error_of([&] { cache.get(kHostile); }).find("too complex"), std::string::npos);
  const std::size_t after = rss();
  EXPECT_LT(after, before + (std::size_t{8} << 20)) << before << " -> " << after;
}

}  // namespace
}  // namespace reasonrec::engine
