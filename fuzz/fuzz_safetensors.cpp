// Hostile safetensors bytes: parsing either succeeds or throws InputError; whatever parses is
// then read completely (every tensor converted), which must stay inside the buffer.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/checkpoint/safetensors.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reasonrec::engine;
  const auto* begin = reinterpret_cast<const std::byte*>(data);
  try {
    const auto file = SafetensorsFile::parse(std::vector<std::byte>(begin, begin + size), "fuzz");
    for (const auto& tensor : file.tensors()) {
      if (file.find(tensor.name) != &tensor) __builtin_trap();
      if (is_floating(tensor.dtype)) {
        volatile float sink = 0;
        for (const float value : to_f32(tensor)) sink = sink + value;
      }
      volatile std::byte last{};
      if (!tensor.data.empty()) last = tensor.data.back();
      (void)last;
    }
  } catch (const reasonrec::InputError&) {
  }
  return 0;
}
