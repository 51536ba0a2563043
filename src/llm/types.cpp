#include "llm/types.hpp"

#include "util/error.hpp"

namespace reasonrec::llm {

const char* api_name(Api api) {
  return api == Api::Chat ? "chat" : "completions";
}

Api parse_api(const std::string& name) {
  if (name == "chat") return Api::Chat;
  if (name == "completions" || name == "completion") return Api::Completion;
  throw UsageError("unknown API '" + name + "': expected chat or completions");
}

std::optional<std::uint64_t> sample_seed(const GenerationParams& params, int sample) {
  if (!params.seed) return std::nullopt;
  return *params.seed + static_cast<std::uint64_t>(sample);
}

}  // namespace reasonrec::llm
