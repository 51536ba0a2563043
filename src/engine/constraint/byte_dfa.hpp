#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/constraint/regex.hpp"

namespace reasonrec::engine {

// The determinised form of a regex: every state reachable from the start, with its 256
// transitions. Immutable once built, so one automaton serves any number of generations.
class ByteDfa {
 public:
  static constexpr int kDead = -1;

  // Throws UsageError when the automaton would exceed max_states.
  explicit ByteDfa(const Nfa& nfa, std::size_t max_states = 20'000);

  int start() const { return 0; }
  int next(int state, unsigned char byte) const {
    return transitions_[static_cast<std::size_t>(state)][byte];
  }
  // kDead when some byte leads nowhere.
  int walk(int state, std::string_view bytes) const;
  bool accepting(int state) const { return accepting_[static_cast<std::size_t>(state)]; }
  // No byte can follow: the text is complete.
  bool final(int state) const { return final_[static_cast<std::size_t>(state)]; }
  // Fewest steps to finish from `state`: bytes to an accepting state, plus one for the end
  // token when more text could still follow there (0 in a final state). With a token for
  // every byte, this bounds the tokens a generation still needs.
  int cost_to_finish(int state) const { return cost_[static_cast<std::size_t>(state)]; }
  static constexpr int kUnreachable = 1 << 30;
  std::size_t size() const { return transitions_.size(); }

 private:
  std::vector<std::array<std::int32_t, 256>> transitions_;
  std::vector<bool> accepting_;
  std::vector<bool> final_;
  std::vector<int> cost_;
};

}  // namespace reasonrec::engine
