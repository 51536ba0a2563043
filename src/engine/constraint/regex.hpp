#pragma once

#include <bitset>
#include <string_view>
#include <vector>

namespace reasonrec::engine {

using ByteSet = std::bitset<256>;

// A Thompson NFA over bytes. State `accept` has no outgoing edges.
struct Nfa {
  struct State {
    std::vector<std::pair<ByteSet, int>> edges;  // consume one byte in the set
    std::vector<int> epsilon;
  };
  std::vector<State> states;
  int start = 0;
  int accept = 0;
};

// Compiles a regular expression over bytes that must match the whole output. Supported:
// literals (UTF-8 passes through as bytes), `.` (any byte but \n), classes `[a-z]`, `[^#]`
// (negated classes include every non-ASCII byte, so they admit UTF-8 text), escapes \n \t \r
// \d \w \s \D \W \S and escaped punctuation, groups `( )` and `(?: )`, `|`, and the quantifiers
// * + ? {m} {m,} {m,n} (n <= 1000). Throws UsageError naming the position of a syntax error.
Nfa compile_regex(std::string_view pattern);

}  // namespace reasonrec::engine
