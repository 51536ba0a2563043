#pragma once

// The T5 / Flan-T5 encoder-decoder configuration (torch-free).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace reasonrec::engine {

struct T5Config {
  std::int64_t vocab_size = 0;
  std::int64_t d_model = 0;
  std::int64_t d_kv = 0;
  std::int64_t d_ff = 0;
  std::int64_t num_layers = 0;          // encoder blocks
  std::int64_t num_decoder_layers = 0;  // decoder blocks (num_layers when absent)
  std::int64_t num_heads = 0;
  std::int64_t relative_attention_num_buckets = 32;
  std::int64_t relative_attention_max_distance = 128;
  double dropout_rate = 0.1;
  double layer_norm_epsilon = 1e-6;
  // feed_forward_proj: "relu" (v1.0: wi, wo) or "gated-gelu" (v1.1 / Flan: wi_0, wi_1, wo,
  // with the tanh approximation gelu_new, as transformers maps it).
  bool gated = false;
  enum class Activation { relu, gelu_new, gelu, silu } activation = Activation::relu;
  // v1.0 ties the head to the shared embedding and scales its input by d_model^-0.5.
  bool tie_word_embeddings = true;
  std::int32_t pad_token_id = 0;
  std::int32_t eos_token_id = 1;
  std::int32_t decoder_start_token_id = 0;

  std::int64_t inner_dim() const { return num_heads * d_kv; }

  // InputError naming `source` and the field for anything missing, mistyped or unsupported.
  static T5Config from_json(const nlohmann::json& config, const std::string& source);
  nlohmann::json to_json() const;
};

// True when config.json describes a T5 model (model_type t5).
bool is_t5(const nlohmann::json& config);

}  // namespace reasonrec::engine
