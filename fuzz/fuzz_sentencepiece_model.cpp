// A SentencePiece .model from the model directory the user names: our protobuf reader
// either loads it or throws an Error, and encoding / decoding text never crashes.
// Input: one byte n, then n bytes of text to encode (fewer when the input is short), then
// the .model bytes (a serialized ModelProto).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/tokenizer/sentencepiece_tokenizer.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t text_length = std::min<std::size_t>(data[0], size - 1);
  const std::string_view text = input.substr(1, text_length);
  const std::string_view model = input.substr(1 + text_length);
  try {
    const auto tokenizer = reasonrec::engine::SentencePieceTokenizer::from_bytes(model, "fuzz");
    for (const std::string_view sample : {text, std::string_view(" Hello  wörld 😀 <s> 123 ")}) {
      const auto ids = tokenizer->encode(sample, true);
      (void)tokenizer->decode(ids, true);
      (void)tokenizer->decode(ids, false);
      for (const auto id : ids) (void)tokenizer->token_bytes(id);
    }
  } catch (const reasonrec::Error&) {
  }
  return 0;
}
