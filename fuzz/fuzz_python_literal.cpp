#include <cstdint>
#include <string_view>

#include "data/python_literal.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto value = reasonrec::data::parse_python_literal(
        std::string_view(reinterpret_cast<const char*>(data), size));
    (void)value.dump();  // the result must be valid UTF-8 JSON: dump() throws otherwise
  } catch (const reasonrec::data::PythonLiteralError&) {
  }
  return 0;
}
