#include <cstdint>
#include <string_view>

#include "data/item_text.hpp"
#include "util/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string cleaned = reasonrec::data::clean_text(text);
  if (!reasonrec::utf8::is_valid(cleaned)) __builtin_trap();  // cleaning promises UTF-8
  (void)reasonrec::data::normalize_price(text);
  if (!reasonrec::utf8::is_valid(reasonrec::utf8::sanitize_per_byte(text))) __builtin_trap();
  if (!reasonrec::utf8::is_valid(reasonrec::utf8::sanitize(text))) __builtin_trap();
  return 0;
}
