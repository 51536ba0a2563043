#pragma once

// The BERT / RoBERTa / XLM-RoBERTa encoder configuration (torch-free).

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace reasonrec::engine {

// The feed-forward activations these configs name (hidden_act).
enum class EncoderActivation { gelu, gelu_new, relu, silu };

// config.json of model_type bert, roberta, xlm-roberta (and camembert, which is RoBERTa).
struct BertConfig {
  std::string model_type = "bert";
  std::int64_t vocab_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_hidden_layers = 0;
  std::int64_t num_attention_heads = 0;
  std::int64_t intermediate_size = 0;
  std::int64_t max_position_embeddings = 512;
  std::int64_t type_vocab_size = 2;
  std::int64_t pad_token_id = 0;
  double layer_norm_eps = 1e-12;
  EncoderActivation hidden_act = EncoderActivation::gelu;
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;

  // RoBERTa-style positions: count from pad_token_id + 1 and skip padding tokens.
  bool roberta_positions() const;
  // The longest input the position table allows (RoBERTa loses pad_token_id + 1 slots).
  std::int64_t max_input_length() const;

  // InputError naming `source` and the field for anything missing, mistyped or unsupported
  // (position_embedding_type other than absolute, an unknown hidden_act).
  static BertConfig from_json(const nlohmann::json& config, const std::string& source);
  nlohmann::json to_json() const;
};

// True when config.json describes a model this encoder runs.
bool is_bert_family(const nlohmann::json& config);

}  // namespace reasonrec::engine
