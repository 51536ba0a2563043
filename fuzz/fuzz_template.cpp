// User-supplied templates (--template FILE): parsing either succeeds or throws InputError.
#include <cstdint>
#include <string>
#include <string_view>

#include "prompt/template.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)reasonrec::prompt::Template::parse(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  } catch (const reasonrec::Error&) {
  }
  return 0;
}
