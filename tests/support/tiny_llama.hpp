#pragma once

#include <nlohmann/json.hpp>

namespace reasonrec::test {

// config.json of the tests' tiny Llama-family decoder: stories260K's 512-piece vocabulary, so
// that converted tokenizer serves it, and a context as long as the test's prompts need.
inline nlohmann::json tiny_llama_config(int max_position_embeddings) {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"vocab_size", 512},
          {"hidden_size", 32},
          {"intermediate_size", 64},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4},
          {"num_key_value_heads", 2},
          {"max_position_embeddings", max_position_embeddings},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", 10000.0},
          {"tie_word_embeddings", true},
          {"bos_token_id", 1},
          {"eos_token_id", 2}};
}

}  // namespace reasonrec::test
