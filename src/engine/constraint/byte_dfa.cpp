#include "engine/constraint/byte_dfa.hpp"

#include <algorithm>
#include <bitset>
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

ByteDfa::ByteDfa(const Nfa& nfa, std::size_t max_states) {
  // Besides the state count, the NFA states held in the state sets (memory) and the NFA states
  // visited (time) are bounded, so that a short hostile pattern fails in a fraction of a second
  // instead of compiling for minutes and holding hundreds of MB.
  const std::size_t max_held = std::max<std::size_t>(max_states * 64, 4'000'000);
  const std::size_t max_visits = max_held * 8;
  std::size_t held = 0;
  std::size_t visits = 0;
  const auto too_complex = [&](const std::string& what) {
    return UsageError("output constraint is too complex (" + what + ")");
  };
  std::map<StateSet, int> ids;
  std::vector<StateSet> sets;
  auto intern = [&](StateSet set) {
    visits += set.size();
    auto [it, inserted] = ids.emplace(set, static_cast<int>(sets.size()));
    if (inserted) {
      if (sets.size() >= max_states) {
        throw too_complex("over " + std::to_string(max_states) + " automaton states");
      }
      held += set.size();
      if (held > max_held) {
        throw too_complex("its automaton states would hold over " + std::to_string(max_held) +
                          " regex positions");
      }
      sets.push_back(std::move(set));
    }
    if (visits > max_visits) {
      throw too_complex("determinising it would take over " + std::to_string(max_visits) +
                        " steps");
    }
    return it->second;
  };
  intern(closure(nfa, {nfa.start}));

  const auto classes = byte_classes(nfa);
  for (std::size_t i = 0; i < sets.size(); ++i) {
    std::array<std::int32_t, 256> row{};
    for (const auto& members : classes) {
      const int byte = members.front();
      StateSet targets;
      for (int s : sets[i]) {
        for (const auto& [bytes, to] : nfa.states[static_cast<std::size_t>(s)].edges) {
          if (bytes.test(static_cast<std::size_t>(byte))) targets.push_back(to);
        }
      }
      visits += sets[i].size();
      const std::int32_t target =
          targets.empty() ? kDead : intern(closure(nfa, std::move(targets)));
      for (int b : members) row[static_cast<std::size_t>(b)] = target;
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
