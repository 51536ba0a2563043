#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "llm/openai_client.hpp"
#include "llm/types.hpp"
#include "llm/usage.hpp"

namespace reasonrec::llm {

// The backend settings of a run: the client's options, the model and route, where the API
// key comes from, and the price table. Read from TOML (docs/llm.md); command-line flags
// override what the file says.
struct BackendConfig {
  ClientOptions client;
  std::string model;
  Api api = Api::Chat;
  // Environment variable holding the API key. An unset variable means "no key" (local
  // servers need none) unless the name was given explicitly (then it is an error).
  std::string api_key_env = "OPENAI_API_KEY";
  bool api_key_env_explicit = false;
  PriceTable prices;
};

// Reads a config file over `defaults`. Throws InputError naming the file and the key for
// unknown keys, wrong types and values out of range.
BackendConfig load_backend_config(const std::filesystem::path& path, BackendConfig defaults = {});

// The key from the environment per config.api_key_env (see there); empty for none.
std::string resolve_api_key(const BackendConfig& config);

}  // namespace reasonrec::llm
