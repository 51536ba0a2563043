#pragma once

// Tiny students with random weights and a real tokenizer, and training pairs for them.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../engine/encoder_fixtures.hpp"
#include "support/t5_tokenizer.hpp"

namespace reasonrec::train::fixtures {

// A T5 v1.1 (gated, untied) with the test tokenizer's vocabulary and a few unused rows.
inline std::filesystem::path write_t5_student(const std::filesystem::path& dir,
                                              std::uint64_t seed) {
  std::filesystem::create_directories(dir);
  const std::int64_t vocab = test::write_t5_tokenizer(dir);
  engine::test_fixtures::write_t5(dir, true, seed, vocab + 4);
  return dir;
}

// A Llama-family config over the test tokenizer (eos = "</s>" = 1).
inline nlohmann::json llama_config(std::int64_t vocab) {
  return {{"model_type", "llama"},       {"vocab_size", vocab},
          {"hidden_size", 32},           {"intermediate_size", 48},
          {"num_hidden_layers", 2},      {"num_attention_heads", 4},
          {"num_key_value_heads", 2},    {"max_position_embeddings", 256},
          {"rms_norm_eps", 1e-5},        {"eos_token_id", 1},
          {"tie_word_embeddings", false}};
}

// Eight short prompts, each with its own target (what a rating-only and a reasoning student see).
inline std::vector<nlohmann::json> eight_records() {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"the user likes the product", "### Rating ### 5"},
      {"the user is great", "### Rating ### 4"},
      {"the product is great", "### Reason ### the user likes the product ### Rating ### 5"},
      {"likes the user", "### Rating ### 1"},
      {"the product", "### Rating ### 2"},
      {"is the user great", "### Reason ### the product is great ### Rating ### 3"},
      {"great product", "### Rating ### 4"},
      {"user likes", "### Rating ### 3"}};
  std::vector<nlohmann::json> out;
  int i = 0;
  for (const auto& [prompt, target] : pairs) {
    out.push_back(
        {{"id", "e" + std::to_string(i++)}, {"sample", 0}, {"prompt", prompt}, {"target", target}});
  }
  return out;
}

inline std::filesystem::path write_records(const std::filesystem::path& path,
                                           const std::vector<nlohmann::json>& records) {
  std::ofstream out(path);
  for (const auto& r : records) out << r.dump() << "\n";
  return path;
}

}  // namespace reasonrec::train::fixtures
