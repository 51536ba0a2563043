#include "engine/constraint/byte_dfa.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <string>

#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using StateSet = std::vector<int>;  // sorted NFA states, closed under epsilon

StateSet closure(const Nfa& nfa, StateSet seeds) {
  std::vector<bool> seen(nfa.states.size(), false);
  StateSet out;
  while (!seeds.empty()) {
    const int s = seeds.back();
    seeds.pop_back();
    if (seen[static_cast<std::size_t>(s)]) continue;
    seen[static_cast<std::size_t>(s)] = true;
    out.push_back(s);
    for (int e : nfa.states[static_cast<std::size_t>(s)].epsilon) seeds.push_back(e);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

ByteDfa::ByteDfa(const Nfa& nfa, std::size_t max_states) {
  std::map<StateSet, int> ids;
  std::vector<StateSet> sets;
  auto intern = [&](StateSet set) {
    auto [it, inserted] = ids.emplace(set, static_cast<int>(sets.size()));
    if (inserted) {
      if (sets.size() >= max_states) {
        throw UsageError("output constraint is too complex (over " + std::to_string(max_states) +
                         " automaton states)");
      }
      sets.push_back(std::move(set));
    }
    return it->second;
  };
  intern(closure(nfa, {nfa.start}));

  for (std::size_t i = 0; i < sets.size(); ++i) {
    std::array<std::int32_t, 256> row{};
    for (int byte = 0; byte < 256; ++byte) {
      StateSet targets;
      for (int s : sets[i]) {
        for (const auto& [bytes, to] : nfa.states[static_cast<std::size_t>(s)].edges) {
          if (bytes.test(static_cast<std::size_t>(byte))) targets.push_back(to);
        }
      }
      row[static_cast<std::size_t>(byte)] =
          targets.empty() ? kDead : intern(closure(nfa, std::move(targets)));
    }
    transitions_.push_back(row);
  }

  const std::size_t n = sets.size();
  accepting_.assign(n, false);
  final_.assign(n, true);
  for (std::size_t i = 0; i < n; ++i) {
    accepting_[i] = std::binary_search(sets[i].begin(), sets[i].end(), nfa.accept);
    final_[i] = std::all_of(transitions_[i].begin(), transitions_[i].end(),
                            [](std::int32_t t) { return t == kDead; });
  }

  // Shortest paths to the end on the reverse graph: final states cost 0, other accepting
  // states 1 (the end token), every byte 1.
  std::vector<std::vector<int>> predecessors(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::int32_t t : transitions_[i]) {
      if (t != kDead) predecessors[static_cast<std::size_t>(t)].push_back(static_cast<int>(i));
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

int ByteDfa::walk(int state, std::string_view bytes) const {
  for (char c : bytes) {
    if (state == kDead) return kDead;
    state = next(state, static_cast<unsigned char>(c));
  }
  return state;
}

}  // namespace reasonrec::engine
