// Output constraints may come from users (`--constraint REGEX`): compiling any pattern must
// either succeed or throw UsageError, and the automaton must agree with itself.
#include <cstdint>
#include <string_view>

#include "engine/constraint/byte_dfa.hpp"
#include "engine/constraint/regex.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view pattern(reinterpret_cast<const char*>(data), size);
  try {
    const reasonrec::engine::ByteDfa dfa(reasonrec::engine::compile_regex(pattern), 2000);
    // Walking the pattern's own bytes never leaves the automaton's state range.
    const int state = dfa.walk(dfa.start(), pattern);
    if (state != reasonrec::engine::ByteDfa::kDead &&
        (state < 0 || static_cast<std::size_t>(state) >= dfa.size())) {
      __builtin_trap();
    }
    if (dfa.accepting(dfa.start()) && dfa.cost_to_finish(dfa.start()) > 1) __builtin_trap();
  } catch (const reasonrec::UsageError&) {
  }
  return 0;
}
