#include "util/constant_time.hpp"

namespace reasonrec {

bool constant_time_equals(std::string_view a, std::string_view b) {
  // Every byte of the longer input is read whatever the lengths; the length difference is folded
  // into the result instead of returning early.
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    difference = static_cast<unsigned char>(difference | (x ^ y));
  }
  // A volatile read keeps the compiler from turning the loop back into an early exit.
  volatile unsigned char result = difference;
  return result == 0;
}

}  // namespace reasonrec
