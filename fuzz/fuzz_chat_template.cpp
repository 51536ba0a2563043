// Chat templates come from model directories and user files: parsing and rendering any text
// either succeeds or throws reasonrec::Error (InputError), within bounded time and memory.
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/chat/jinja_template.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view source(reinterpret_cast<const char*>(data), size);
  static const nlohmann::ordered_json context = nlohmann::ordered_json::parse(R"({
    "messages": [{"role": "system", "content": " sys "}, {"role": "user", "content": "Grüße {x}"},
                 {"role": "assistant", "content": "ok", "tool_calls": [{"id": "abcdefghi",
                  "function": {"name": "f", "arguments": {"a": [1, 2.5, null, true]}}}]}],
    "tools": null, "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"})");
  reasonrec::engine::jinja::RenderLimits limits;
  limits.max_output_bytes = 1 << 20;
  limits.max_loop_iterations = 100000;
  try {
    (void)reasonrec::engine::jinja::Template::parse(source, "fuzz").render(context, limits);
  } catch (const reasonrec::Error&) {
  }
  return 0;
}
