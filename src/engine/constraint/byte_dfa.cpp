#include "engine/constraint/byte_dfa.hpp"

#include <algorithm>
#include <bitset>
#include <cstdint>
#include <functional>
#include <map>
#include <queue>
#include <string>
#include <unordered_map>

#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using StateSet = std::vector<int>;  // sorted NFA states, closed under epsilon

struct StateSetHash {
  std::size_t operator()(const StateSet& set) const {
    std::uint64_t h = 1469598103934665603ULL;
    for (int s : set) h = (h ^ static_cast<std::uint32_t>(s)) * 1099511628211ULL;
    return static_cast<std::size_t>(h);
  }
};

// The epsilon closure, with a visited mark per NFA state that is reset by bumping an epoch
// rather than by clearing (a closure must cost what it visits, not the size of the NFA).
class Closure {
 public:
  explicit Closure(const Nfa& nfa) : nfa_(nfa), mark_(nfa.states.size(), 0) {}

  StateSet operator()(StateSet seeds) {
    if (++epoch_ == 0) {  // wrapped: start the marks afresh
      std::fill(mark_.begin(), mark_.end(), 0);
      epoch_ = 1;
    }
    StateSet out;
    while (!seeds.empty()) {
      const int s = seeds.back();
      seeds.pop_back();
      auto& mark = mark_[static_cast<std::size_t>(s)];
      if (mark == epoch_) continue;
      mark = epoch_;
      out.push_back(s);
      for (int e : nfa_.states[static_cast<std::size_t>(s)].epsilon) seeds.push_back(e);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  const Nfa& nfa_;
  std::vector<std::uint32_t> mark_;
  std::uint32_t epoch_ = 0;
};

// Bytes a state costs besides its regex positions: its row of transitions, its entry in the
// table of state sets and the allocator's overhead.
constexpr std::size_t kRowBytes = sizeof(std::array<std::int32_t, 256>);
constexpr std::size_t kStateOverhead = 128;

std::string mib(std::size_t bytes) {
  return std::to_string((bytes + (std::size_t{1} << 20) - 1) >> 20) + " MiB";
}

}  // namespace

// The bytes no edge of the NFA tells apart: every byte of a class leads to the same targets from
// every state, so determinising visits one representative per class instead of 256 bytes.
std::vector<std::vector<int>> byte_classes(const Nfa& nfa) {
  std::vector<std::bitset<256>> distinct;
  for (const auto& state : nfa.states) {
    for (const auto& [bytes, to] : state.edges) {
      if (std::find(distinct.begin(), distinct.end(), bytes) == distinct.end()) {
        distinct.push_back(bytes);
      }
    }
  }
  std::map<std::vector<bool>, std::vector<int>> by_signature;
  for (int byte = 0; byte < 256; ++byte) {
    std::vector<bool> signature(distinct.size());
    for (std::size_t k = 0; k < distinct.size(); ++k) {
      signature[k] = distinct[k].test(static_cast<std::size_t>(byte));
    }
    by_signature[signature].push_back(byte);
  }
  std::vector<std::vector<int>> classes;
  for (auto& [signature, bytes] : by_signature) classes.push_back(std::move(bytes));
  return classes;
}

ByteDfa::ByteDfa(const Nfa& nfa, std::size_t max_states)
    : ByteDfa(nfa, CompileLimits{max_states, CompileLimits{}.max_bytes, {}, {}}) {}

ByteDfa::ByteDfa(const Nfa& nfa, const CompileLimits& limits) {
  // Every budget is checked as the automaton grows, so that a short hostile pattern fails
  // within its budget instead of compiling for minutes and holding hundreds of MB.
  using Limit = ConstraintLimitError::Limit;
  const std::size_t max_steps = limits.max_bytes / 2;
  const auto started = std::chrono::steady_clock::now();
  std::size_t held = 0;   // regex positions in all state sets
  std::size_t steps = 0;  // NFA states visited
  std::size_t next_poll = 0;
  const auto too_complex = [](Limit limit, const std::string& what) {
    return ConstraintLimitError(limit, "output constraint is too complex: " + what);
  };
  // The clock and the cancellation are looked at every 64K steps (well under a millisecond).
  const auto poll = [&] {
    if (steps > max_steps) {
      throw too_complex(Limit::Steps,
                        "compiling it would take over " + std::to_string(max_steps) + " steps");
    }
    if (steps < next_poll) return;
    next_poll = steps + (std::size_t{1} << 16);
    if (limits.cancelled && limits.cancelled()) throw ConstraintCancelled();
    if (limits.max_time.count() > 0 &&
        std::chrono::steady_clock::now() - started > limits.max_time) {
      throw too_complex(Limit::Time, "compiling it would take over " +
                                         std::to_string(limits.max_time.count()) + " ms");
    }
  };
  Closure closure(nfa);
  std::unordered_map<StateSet, int, StateSetHash> ids;
  std::vector<const StateSet*> sets;  // by id; the keys of `ids`, which never move
  auto intern = [&](StateSet set) {
    steps += set.size();
    auto [it, inserted] = ids.try_emplace(std::move(set), static_cast<int>(sets.size()));
    if (inserted) {
      if (sets.size() >= limits.max_states) {
        throw too_complex(Limit::States, "its automaton would have over " +
                                             std::to_string(limits.max_states) + " states");
      }
      held += it->first.size();
      const std::size_t bytes =
          held * sizeof(int) + (sets.size() + 1) * (kRowBytes + kStateOverhead);
      if (bytes > limits.max_bytes) {
        throw too_complex(Limit::Memory,
                          "compiling it would take over " + mib(limits.max_bytes) + " of memory");
      }
      sets.push_back(&it->first);
    }
    poll();
    return it->second;
  };
  intern(closure({nfa.start}));

  const auto classes = byte_classes(nfa);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    std::array<std::int32_t, 256> row{};
    for (const auto& members : classes) {
      const int byte = members.front();
      StateSet targets;
      for (int s : *sets[i]) {
        for (const auto& [bytes, to] : nfa.states[static_cast<std::size_t>(s)].edges) {
          if (bytes.test(static_cast<std::size_t>(byte))) targets.push_back(to);
        }
      }
      steps += sets[i]->size();
      const std::int32_t target = targets.empty() ? kDead : intern(closure(std::move(targets)));
      for (int b : members) row[static_cast<std::size_t>(b)] = target;
    }
    if (transitions_.size() == transitions_.capacity()) {
      transitions_.reserve(std::min(sets.size(), 2 * transitions_.size() + 16));
    }
    transitions_.push_back(row);
  }
  transitions_.shrink_to_fit();

  const std::size_t n = sets.size();
  accepting_.assign(n, false);
  final_.assign(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    accepting_[i] = std::binary_search(sets[i]->begin(), sets[i]->end(), nfa.accept);
    final_[i] = std::all_of(transitions_[i].begin(), transitions_[i].end(),
                            [](std::int32_t t) { return t == kDead; });
  }

  // Shortest paths to the end on the reverse graph: final states cost 0, other accepting
  // states 1 (the end token), every byte 1.
  std::vector<std::vector<int>> predecessors(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::array<std::int32_t, 256> targets = transitions_[i];  // each distinct target once
    std::sort(targets.begin(), targets.end());
    const auto last = std::unique(targets.begin(), targets.end());
    for (auto t = targets.begin(); t != last; ++t) {
      if (*t != kDead) predecessors[static_cast<std::size_t>(*t)].push_back(static_cast<int>(i));
    }
  }
  cost_.assign(n, kUnreachable);
  using Entry = std::pair<int, int>;  // (cost, state)
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
  for (std::size_t i = 0; i < n; ++i) {
    if (accepting_[i]) {
      cost_[i] = final_[i] ? 0 : 1;
      queue.emplace(cost_[i], static_cast<int>(i));
    }
  }
  while (!queue.empty()) {
    const auto [cost, s] = queue.top();
    queue.pop();
    if (cost != cost_[static_cast<std::size_t>(s)]) continue;
    for (int p : predecessors[static_cast<std::size_t>(s)]) {
      auto& c = cost_[static_cast<std::size_t>(p)];
      if (cost + 1 < c) {
        c = cost + 1;
        queue.emplace(c, p);
      }
    }
  }
  if (cost_[0] == kUnreachable) {
    throw UsageError("output constraint can never be satisfied (its regex matches nothing)");
  }
}

std::size_t ByteDfa::memory_bytes() const {
  return sizeof(*this) + transitions_.capacity() * kRowBytes + cost_.capacity() * sizeof(int) +
         (accepting_.capacity() + final_.capacity()) / 8;
}

int ByteDfa::walk(int state, std::string_view bytes) const {
  for (char c : bytes) {
    if (state == kDead) return kDead;
    state = next(state, static_cast<unsigned char>(c));
  }
  return state;
}

}  // namespace reasonrec::engine
