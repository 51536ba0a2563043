#include "data/sampling.hpp"

#include <algorithm>
#include <unordered_map>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::data {

std::uint64_t ClassCounts::total() const {
  std::uint64_t n = 0;
  for (auto v : values) n += v;
  return n;
}

namespace {

ItemInfo item_info(const Dataset& dataset, const std::string& item) {
  ItemInfo info;
  if (const auto it = dataset.meta.find(item); it != dataset.meta.end()) {
    info.meta = it->second;
    info.has_meta = true;
  } else {
    info.meta.item = item;
  }
  return info;
}

// A user's candidate target positions, by rating.
struct UserCandidates {
  std::size_t timeline = 0;
  std::array<std::vector<std::uint32_t>, 5> by_rating;
};

struct Pick {
  std::size_t timeline;
  std::uint32_t position;
};

// Walks users in the given order; each contributes up to `per_user` targets of distinct ratings
// still needed, the scarcest class first. Returns the users it took.
std::vector<std::size_t> pick_split(const std::vector<UserCandidates>& users,
                                    const std::vector<std::size_t>& order,
                                    std::vector<bool>& used_user, ClassCounts need,
                                    const ClassCounts& scarcity, int per_user, Rng& rng,
                                    std::vector<Pick>& picks, ClassCounts& taken) {
  std::vector<std::size_t> taken_users;
  for (std::size_t u : order) {
    if (need.total() == 0) break;
    if (used_user[u]) continue;
    const UserCandidates& cand = users[u];
    int given = 0;
    std::array<bool, 5> done{};
    while (given < per_user) {
      int best = 0;
      for (int r = 1; r <= 5; ++r) {
        if (need[r] == 0 || done[static_cast<std::size_t>(r - 1)] ||
            cand.by_rating[static_cast<std::size_t>(r - 1)].empty()) {
          continue;
        }
        if (best == 0 || scarcity[r] < scarcity[best]) best = r;
      }
      if (best == 0) break;
      const auto& positions = cand.by_rating[static_cast<std::size_t>(best - 1)];
      picks.push_back({cand.timeline, positions[rng.below(positions.size())]});
      --need[best];
      ++taken[best];
      done[static_cast<std::size_t>(best - 1)] = true;
      ++given;
    }
    if (given > 0) {
      used_user[u] = true;
      taken_users.push_back(u);
    }
  }
  return taken_users;
}

}  // namespace

Example make_example(const Dataset& dataset, const Timeline& timeline, std::size_t pos,
                     int max_history, const std::string& split) {
  const Review& target = dataset.reviews[timeline.reviews[pos]];
  Example e;
  e.id = fmt::format("{}/{}/{}", target.user, target.item, target.time);
  e.split = split;
  e.user = target.user;
  e.rating = target.rating;
  e.time = target.time;
  e.review = target.text;
  e.summary = target.summary;
  e.target = item_info(dataset, target.item);
  const std::size_t first =
      pos > static_cast<std::size_t>(max_history) ? pos - static_cast<std::size_t>(max_history) : 0;
  for (std::size_t i = first; i < pos; ++i) {
    const Review& r = dataset.reviews[timeline.reviews[i]];
    HistoryEntry h;
    h.item = item_info(dataset, r.item);
    h.rating = r.rating;
    h.review = r.text;
    h.summary = r.summary;
    h.time = r.time;
    e.history.push_back(std::move(h));
  }
  return e;
}

SamplingResult sample_examples(const Dataset& dataset, const SamplingOptions& options) {
  if (options.min_history < 0 || options.max_history < options.min_history) {
    throw UsageError(fmt::format("history bounds must satisfy 0 <= min ({}) <= max ({})",
                                 options.min_history, options.max_history));
  }
  if (options.train_per_rating < 0 || options.test_per_rating < 0) {
    throw UsageError("per-rating counts must not be negative");
  }
  if (options.max_targets_per_user < 1) throw UsageError("max targets per user must be >= 1");

  SamplingResult result;
  SamplingReport& report = result.report;
  const std::vector<Timeline> timelines = build_timelines(dataset.reviews);
  report.users = timelines.size();

  std::vector<UserCandidates> users;
  for (std::size_t t = 0; t < timelines.size(); ++t) {
    UserCandidates cand;
    cand.timeline = t;
    bool any = false;
    const auto& ids = timelines[t].reviews;
    for (std::size_t pos = static_cast<std::size_t>(options.min_history); pos < ids.size(); ++pos) {
      const int rating = dataset.reviews[ids[pos]].rating;
      cand.by_rating[static_cast<std::size_t>(rating - 1)].push_back(
          static_cast<std::uint32_t>(pos));
      ++report.candidates[rating];
      any = true;
    }
    if (!any) continue;
    for (int r = 1; r <= 5; ++r) {
      if (!cand.by_rating[static_cast<std::size_t>(r - 1)].empty()) ++report.candidate_users[r];
    }
    users.push_back(std::move(cand));
  }
  report.users_with_candidates = users.size();

  std::vector<std::size_t> order(users.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  Rng shuffle_rng(derive_seed(options.seed, "users"));
  shuffle_rng.shuffle(order);

  // Test needs, capped so that a scarce class leaves the train split its share of users.
  ClassCounts test_need, train_need;
  const double test_share = options.test_per_rating + options.train_per_rating > 0
                                ? static_cast<double>(options.test_per_rating) /
                                      (options.test_per_rating + options.train_per_rating)
                                : 0.0;
  for (int r = 1; r <= 5; ++r) {
    report.test_requested[r] = static_cast<std::uint64_t>(options.test_per_rating);
    report.train_requested[r] = static_cast<std::uint64_t>(options.train_per_rating);
    const std::uint64_t available = report.candidate_users[r];
    const std::uint64_t asked = report.test_requested[r] + report.train_requested[r];
    test_need[r] =
        available >= asked
            ? report.test_requested[r]
            : std::min<std::uint64_t>(
                  report.test_requested[r],
                  static_cast<std::uint64_t>(static_cast<double>(available) * test_share + 0.5));
    train_need[r] = report.train_requested[r];
  }

  std::vector<bool> used(users.size(), false);
  std::vector<Pick> test_picks, train_picks;
  Rng pick_rng(derive_seed(options.seed, "targets"));
  report.test_users =
      pick_split(users, order, used, test_need, report.candidate_users,
                 options.max_targets_per_user, pick_rng, test_picks, report.test_taken)
          .size();
  report.train_users =
      pick_split(users, order, used, train_need, report.candidate_users,
                 options.max_targets_per_user, pick_rng, train_picks, report.train_taken)
          .size();

  for (int r = 1; r <= 5; ++r) {
    for (const auto& [name, requested, taken] :
         {std::tuple{"train", report.train_requested[r], report.train_taken[r]},
          std::tuple{"test", report.test_requested[r], report.test_taken[r]}}) {
      if (taken < requested) {
        report.shortfalls.push_back(fmt::format(
            "rating {}: {} asked {} but took {} ({} candidate targets from {} users in all)", r,
            name, requested, taken, report.candidates[r], report.candidate_users[r]));
      }
    }
  }

  std::unordered_map<std::string, std::size_t> id_counts;
  const auto emit = [&](const std::vector<Pick>& picks, const std::string& split) {
    std::vector<Example> examples;
    examples.reserve(picks.size());
    for (const Pick& p : picks) {
      examples.push_back(
          make_example(dataset, timelines[p.timeline], p.position, options.max_history, split));
    }
    std::sort(examples.begin(), examples.end(),
              [](const Example& a, const Example& b) { return a.id < b.id; });
    // Ids are unique unless a user reviewed the same item twice in one second.
    for (auto& e : examples) {
      const std::size_t n = ++id_counts[e.id];
      if (n > 1) e.id += "#" + std::to_string(n);
    }
    for (auto& e : examples) result.examples.push_back(std::move(e));
  };
  emit(train_picks, "train");
  emit(test_picks, "test");
  return result;
}

}  // namespace reasonrec::data
