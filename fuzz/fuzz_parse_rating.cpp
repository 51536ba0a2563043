// Model output is arbitrary text: the rating parser must never crash, and a parsed rating is
// always 1..5.
#include <cstdint>
#include <string_view>

#include "prompt/parse_rating.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed =
      reasonrec::prompt::parse_rating(std::string_view(reinterpret_cast<const char*>(data), size));
  if (parsed.rating && (*parsed.rating < 1 || *parsed.rating > 5)) __builtin_trap();
  return 0;
}
