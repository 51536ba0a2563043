#pragma once

// Internal to the engine (includes torch): the T5 / Flan-T5 encoder-decoder.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/model/low_rank_adapters.hpp"
#include "engine/model/matvec.hpp"
#include "engine/model/projection.hpp"
#include "engine/model/t5_config.hpp"

namespace reasonrec::engine {

// The decoder's state between steps: self-attention keys/values grow by the tokens fed,
// cross-attention keys/values are computed once from the encoder output.
struct T5DecoderCache {
  std::vector<torch::Tensor> self_keys, self_values;    // per layer [B, heads, T, d_kv]
  std::vector<torch::Tensor> cross_keys, cross_values;  // per layer [B, heads, S, d_kv]
  torch::Tensor encoder_mask;                           // [B, S] (1 real, 0 padding)
  std::int64_t length = 0;                              // decoder tokens fed so far

  // Rows `rows` of this cache (repeats allowed: n samples share one encoding).
  T5DecoderCache select(const std::vector<std::int64_t>& rows) const;
};

class T5Model {
 public:
  struct Attention {
    torch::Tensor q, k, v, o;  // [inner, d_model] x3, [d_model, inner]
  };
  struct FeedForward {
    torch::Tensor wi, wi_0, wi_1, wo;  // wi for v1.0, wi_0 / wi_1 when gated
  };
  struct EncoderBlock {
    Attention self_attention;
    torch::Tensor self_norm;
    FeedForward ff;
    torch::Tensor ff_norm;
  };
  struct DecoderBlock {
    Attention self_attention;
    torch::Tensor self_norm;
    Attention cross_attention;
    torch::Tensor cross_norm;
    FeedForward ff;
    torch::Tensor ff_norm;
  };

  // transformers' names (shared.weight, encoder.block.N.layer.0.SelfAttention.q.weight, ...,
  // lm_head.weight when untied); InputError naming the file and tensor.
  static T5Model load(const CheckpointDir& checkpoint);

  const T5Config& config() const { return config_; }
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;
  // Dropout (config dropout_rate) only while training.
  void set_training(bool training) { training_ = training; }
  // The dropout rate used while training (config.json's dropout_rate until set).
  void set_dropout_rate(double rate) { config_.dropout_rate = rate; }
  // LoRA adapters on projections (training, or an unmerged adapter); null: none.
  void set_adapters(std::shared_ptr<const LowRankAdapters> adapters) {
    adapters_ = std::move(adapters);
  }

  // ids [B, S] int64, mask [B, S] (1 real, 0 padding) -> encoder output [B, S, d_model].
  torch::Tensor encode(const torch::Tensor& ids, const torch::Tensor& mask) const;

  // A cache positioned before the first decoder token.
  T5DecoderCache start_decoder(const torch::Tensor& encoder_output,
                               const torch::Tensor& encoder_mask) const;
  // Feeds decoder tokens ids [B, T] after the cache's tokens (causal; right padding of the
  // decoder inputs needs no mask) and returns logits [B, T, vocab].
  torch::Tensor decode(const torch::Tensor& ids, T5DecoderCache& cache) const;

  // Teacher-forced pass: logits [B, T, vocab] of decoder_ids given the encoder input.
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask,
                        const torch::Tensor& decoder_ids) const;

 private:
  T5Model() = default;
  torch::Tensor position_bias(std::int64_t query_start, std::int64_t query_length,
                              std::int64_t key_length, bool bidirectional) const;
  torch::Tensor feed_forward(const FeedForward& ff, const torch::Tensor& x) const;
  // x W^T: MatVec for a single row (batch-1 decoding), BLAS otherwise.
  torch::Tensor project(const torch::Tensor& x, const torch::Tensor& w) const;
  // The same for several weights in one MatVec job, each with its adapter.
  std::vector<torch::Tensor> project_all(const torch::Tensor& x,
                                         std::initializer_list<WeightAndBias> weights) const;

  T5Config config_;
  torch::Tensor shared_;
  torch::Tensor lm_head_;                      // shared_ when tied
  torch::Tensor encoder_bias_, decoder_bias_;  // relative_attention_bias [buckets, heads]
  std::vector<EncoderBlock> encoder_;
  std::vector<DecoderBlock> decoder_;
  torch::Tensor encoder_final_norm_, decoder_final_norm_;
  bool training_ = false;
  std::shared_ptr<MatVec> matvec_;  // shared by copies; threads start on first use
  std::shared_ptr<const LowRankAdapters> adapters_;
};

// transformers' _relative_position_bucket over an int64 tensor of key - query offsets.
torch::Tensor t5_relative_position_bucket(const torch::Tensor& relative_position,
                                          bool bidirectional, std::int64_t num_buckets,
                                          std::int64_t max_distance);

}  // namespace reasonrec::engine
