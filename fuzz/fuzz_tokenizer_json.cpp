// A tokenizer.json from the model directory the user names: loading either succeeds or
// throws an Error, and encoding / decoding whatever text follows never crashes.
// Input: tokenizer.json bytes, optionally a NUL byte and then the text to encode.
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/tokenizer/json_tokenizer.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nul = input.find('\0');
  const std::string_view json = input.substr(0, nul);
  const std::string_view text = nul == std::string_view::npos
                                    ? std::string_view("Hello wörld 😀  <s> 123")
                                    : input.substr(nul + 1);
  try {
    const auto tokenizer = reasonrec::engine::JsonTokenizer::from_string(json, "fuzz");
    const auto ids = tokenizer->encode(text, true);
    (void)tokenizer->decode(ids, true);
    (void)tokenizer->decode(ids, false);
    for (const auto id : ids) (void)tokenizer->token_bytes(id);
  } catch (const reasonrec::Error&) {
  }
  return 0;
}
