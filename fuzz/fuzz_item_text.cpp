#include <cstdint>
#include <string_view>

#include "data/item_text.hpp"
#include "data/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string cleaned = reasonrec::data::clean_text(text);
  if (!reasonrec::data::is_valid_utf8(cleaned)) __builtin_trap();  // cleaning promises UTF-8
  (void)reasonrec::data::normalize_price(text);
  (void)reasonrec::data::repair_utf8(text);
  return 0;
}
