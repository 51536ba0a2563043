#include "prompt/token_counter.hpp"

#include <algorithm>

namespace reasonrec::prompt {

namespace {
bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
}
}  // namespace

std::size_t EstimateTokenCounter::count(std::string_view text) const {
  std::size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    if (is_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return std::max((words * 4 + 2) / 3, (text.size() + 3) / 4);
}

}  // namespace reasonrec::prompt
