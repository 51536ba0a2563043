#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::engine {

// How rotary position embeddings are stretched beyond the trained context (config.json's
// "rope_scaling"; "type" or "rope_type").
struct RopeScaling {
  enum class Kind { None, Linear, Dynamic, Llama3, Yarn };
  Kind kind = Kind::None;
  double factor = 1.0;
  // llama3
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  // llama3, yarn
  std::int64_t original_max_position_embeddings = 0;
  // yarn
  double beta_fast = 32.0;
  double beta_slow = 1.0;
  std::optional<double> attention_factor;
};

// The Llama-family decoder configuration (llama, qwen2, mistral; SmolLM is model_type llama).
struct LlamaConfig {
  std::string model_type = "llama";
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t num_key_value_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  bool qkv_bias = false;  // Qwen2 always; Llama when attention_bias
  bool o_bias = false;    // Llama attention_bias only
  bool mlp_bias = false;
  bool tie_word_embeddings = false;
  // Mistral's sliding window (Qwen2's with use_sliding_window): a token attends to the previous
  // `sliding_window` tokens, itself included, in layers window_first_layer and above (Qwen2's
  // max_window_layers; every layer for Mistral).
  std::optional<std::int64_t> sliding_window;
  std::int64_t window_first_layer = 0;
  std::vector<std::int32_t> eos_token_ids;  // config.json's eos_token_id (int or list)
  std::optional<std::int32_t> bos_token_id;

  // Parses config.json; InputError naming `source` and the field for anything missing,
  // mistyped or unsupported (hidden_act other than silu, unknown rope type, ...).
  static LlamaConfig from_json(const nlohmann::json& config, const std::string& source);
  // The same fields back as config.json (what save_checkpoint writes).
  nlohmann::json to_json() const;

  // Parameters, for memory estimates and benchmarks.
  std::int64_t parameter_count() const;
};

// True when config.json describes a model this decoder runs.
bool is_llama_family(const nlohmann::json& config);

}  // namespace reasonrec::engine
