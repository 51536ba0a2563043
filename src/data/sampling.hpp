#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "data/example.hpp"

namespace reasonrec::data {

struct SamplingOptions {
  int min_history = 4;   // a target needs at least this many earlier reviews
  int max_history = 10;  // and keeps at most this many of them (the most recent)
  int train_per_rating = 800;
  int test_per_rating = 100;
  int max_targets_per_user = 1;  // per split
  std::uint64_t seed = 42;
};

// Per rating class (index 0 is rating 1).
struct ClassCounts {
  std::array<std::uint64_t, 5> values{};
  std::uint64_t& operator[](int rating) { return values[static_cast<std::size_t>(rating - 1)]; }
  std::uint64_t operator[](int rating) const {
    return values[static_cast<std::size_t>(rating - 1)];
  }
  std::uint64_t total() const;
};

struct SamplingReport {
  std::uint64_t users = 0;
  std::uint64_t users_with_candidates = 0;
  ClassCounts candidates;       // targets with enough history, by rating
  ClassCounts candidate_users;  // users with at least one such target, by rating
  ClassCounts train_requested, train_taken;
  ClassCounts test_requested, test_taken;
  std::uint64_t train_users = 0, test_users = 0;
  std::vector<std::string> shortfalls;  // one readable sentence per class that fell short
};

struct SamplingResult {
  std::vector<Example> examples;  // train first, then test; each sorted by id
  SamplingReport report;
};

// Picks balanced train and test examples from user-disjoint sets of users.
//
// Every review with >= min_history earlier reviews of the same user is a candidate target.
// Users are shuffled with the seed; test users are chosen first, then train users from the
// rest, each user giving at most max_targets_per_user targets of distinct ratings, the scarcest
// class still needed first. When a class has fewer candidate users than both splits ask for,
// its users are shared between the splits in proportion to the two requests, so neither split
// is starved; the shortfall is reported, never looped on.
SamplingResult sample_examples(const Dataset& dataset, const SamplingOptions& options);

// The example for target position `pos` of `timeline` (history = up to max_history earlier).
Example make_example(const Dataset& dataset, const Timeline& timeline, std::size_t pos,
                     int max_history, const std::string& split);

}  // namespace reasonrec::data
