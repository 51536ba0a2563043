#pragma once

// Internal to the engine (includes torch): the BERT / RoBERTa / XLM-RoBERTa encoder.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/model/bert_config.hpp"

namespace reasonrec::engine {

class BertModel {
 public:
  struct Layer {
    torch::Tensor q_w, q_b, k_w, k_b, v_w, v_b;
    torch::Tensor attn_out_w, attn_out_b, attn_norm_w, attn_norm_b;
    torch::Tensor inter_w, inter_b, out_w, out_b, out_norm_w, out_norm_b;
  };

  // Weights named as transformers saves them: with a "bert." / "roberta." (model_type) prefix
  // (from *ForMaskedLM etc.) or none (BertModel). Heads (pooler, lm head) are ignored.
  static BertModel load(const CheckpointDir& checkpoint);

  const BertConfig& config() const { return config_; }

  // Every weight under its Hugging Face name without prefix; the model's own tensors.
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;

  // Dropout as the config sets it, active only while training.
  void set_training(bool training) { training_ = training; }

  // ids [B, T] int64 (padding on the right), mask [B, T] (1 real, 0 padding), token_types
  // [B, T] (segment ids, as transformers' token_type_ids; undefined: all 0). Returns the
  // hidden states as transformers' output_hidden_states: [0] the embedding output, [l] the
  // output of layer l, for l <= last_layer (default: every layer), each [B, T, hidden].
  std::vector<torch::Tensor> forward(const torch::Tensor& ids, const torch::Tensor& mask,
                                     std::int64_t last_layer = -1,
                                     const torch::Tensor& token_types = {}) const;

 private:
  BertModel() = default;
  torch::Tensor layer_forward(const Layer& layer, const torch::Tensor& x,
                              const torch::Tensor& additive_mask) const;

  BertConfig config_;
  torch::Tensor word_embeddings_, position_embeddings_, token_type_embeddings_;
  torch::Tensor embed_norm_w_, embed_norm_b_;
  std::vector<Layer> layers_;
  bool training_ = false;
};

}  // namespace reasonrec::engine
