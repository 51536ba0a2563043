#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace reasonrec::engine {

// What tokenizer_config.json / special_tokens_map.json / config.json say about special
// tokens. Token strings win over ids; absent entries stay empty.
struct SpecialTokenConfig {
  std::optional<std::string> bos_token, eos_token, pad_token;
  std::optional<std::int32_t> bos_id, eos_id, pad_id;  // config.json / generation fallbacks
  std::optional<bool> add_bos_token, add_eos_token;    // tokenizer_config.json
  bool clean_up_tokenization_spaces = false;
};

// Reads the files that exist in `model_dir`; throws InputError naming a malformed file.
SpecialTokenConfig read_special_token_config(const std::filesystem::path& model_dir);

// transformers' clean_up_tokenization: " ." -> "." and similar contractions.
std::string clean_up_tokenization(std::string text);

}  // namespace reasonrec::engine
