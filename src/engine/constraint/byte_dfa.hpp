#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/constraint/regex.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

// What compiling one constraint may cost: about what one request may cost, so that a short
// hostile pattern is refused within its budget instead of compiling for minutes, holding
// hundreds of MB, or starving other requests.
struct CompileLimits {
  std::size_t max_states = 20'000;  // automaton states
  // Memory while determinising: the state sets (4 bytes per regex position held) and the
  // transition table (1 KiB per state). Determinising takes at most max_bytes / 2 steps (NFA
  // states visited), which bounds the time even without a clock.
  std::size_t max_bytes = std::size_t{32} << 20;
  std::chrono::milliseconds max_time{0};  // wall clock; 0: none
  // Polled every few milliseconds: true once nobody wants the result (the client has gone).
  std::function<bool()> cancelled;
};

// A constraint that would exceed one of its CompileLimits. The message names the limit.
class ConstraintLimitError : public UsageError {
 public:
  enum class Limit { States, Memory, Steps, Time };
  ConstraintLimitError(Limit limit, const std::string& what) : UsageError(what), limit_(limit) {}
  Limit limit() const { return limit_; }

 private:
  Limit limit_;
};

// Compiling stopped because CompileLimits::cancelled said so.
class ConstraintCancelled : public Error {
 public:
  ConstraintCancelled() : Error("compiling the output constraint was cancelled") {}
};

// The determinised form of a regex: every state reachable from the start, with its 256
// transitions. Immutable once built, so one automaton serves any number of generations.
class ByteDfa {
 public:
  static constexpr int kDead = -1;

  // Throws ConstraintLimitError (a UsageError) when the automaton would exceed max_states or
  // the default CompileLimits.
  explicit ByteDfa(const Nfa& nfa, std::size_t max_states = 20'000);
  // Throws ConstraintLimitError past a limit, ConstraintCancelled when cancelled.
  ByteDfa(const Nfa& nfa, const CompileLimits& limits);

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
  // What the automaton holds in memory (an estimate: the containers' capacities).
  std::size_t memory_bytes() const;

 private:
  std::vector<std::array<std::int32_t, 256>> transitions_;
  std::vector<bool> accepting_;
  std::vector<bool> final_;
  std::vector<int> cost_;
};

}  // namespace reasonrec::engine
