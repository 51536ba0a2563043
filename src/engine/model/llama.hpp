#pragma once

// Internal to the engine (includes torch): the Llama-family decoder and its KV cache.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/model/llama_config.hpp"
#include "engine/model/low_rank_adapters.hpp"
#include "engine/model/matvec.hpp"
#include "engine/model/projection.hpp"

namespace reasonrec::engine {

// Keys and values of every layer for a batch of sequences that share cache columns: column j
// of row b holds the token that row b fed at step j, `valid` marks which columns are real
// tokens (padding is not), and each token's rotary position travels with its key (and is kept
// beside it, for the sliding window).
class KvCache {
 public:
  KvCache(const LlamaConfig& config, std::int64_t batch, std::int64_t capacity);

  std::int64_t batch() const { return valid_.size(0); }
  std::int64_t length() const { return length_; }
  std::int64_t capacity() const { return valid_.size(1); }

  // Rows `rows` of this cache (in that order, repeats allowed): n samples share a prompt's
  // prefill this way, and finished sequences leave the batch.
  KvCache select(const std::vector<std::int64_t>& rows) const;

  // The rows of every part in order, each right-aligned to the longest length with invalid
  // columns on the left (rotary positions travel with the keys, so moving a row's columns
  // changes nothing it computes); `headroom` free columns for what follows. Not empty.
  static KvCache concat(const std::vector<KvCache>& parts, std::int64_t headroom);
  // The same rows without the columns that are invalid in every row (left behind by rows
  // that have left), and `headroom` free columns; *this when no column is unused.
  KvCache without_unused_columns(std::int64_t headroom) const;
  // A copy of the first `columns` columns, with room for `capacity` columns in all.
  KvCache prefix(std::int64_t columns, std::int64_t capacity) const;
  // Memory of the keys and values held (capacity included).
  std::size_t bytes() const;

 private:
  friend class LlamaModel;
  KvCache() = default;
  void ensure_capacity(std::int64_t needed);

  std::vector<torch::Tensor> keys_;    // per layer [B, kv_heads, capacity, head_dim]
  std::vector<torch::Tensor> values_;  // same
  torch::Tensor valid_;                // [B, capacity] bool
  torch::Tensor positions_;            // [B, capacity] int64: each column's rotary position
  std::int64_t length_ = 0;
};

// Regularisation for training; inactive by default (inference).
struct DropoutOptions {
  bool training = false;
  double attention = 0.0;  // on attention probabilities
  double residual = 0.0;   // on each block's output before the residual add
};

class LlamaModel {
 public:
  struct Layer {
    torch::Tensor input_norm, post_norm;
    torch::Tensor q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b;
    torch::Tensor gate_w, gate_b, up_w, up_b, down_w, down_b;
  };

  // Loads config.json and every weight (F32/F16/BF16 -> fp32); InputError naming the file and
  // tensor for a missing tensor or a wrong shape.
  static LlamaModel load(const CheckpointDir& checkpoint);
  // From named tensors in the Hugging Face naming (what save_checkpoint writes).
  static LlamaModel from_tensors(LlamaConfig config,
                                 const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                                 const std::string& source);
  // Random weights (tests, benchmarks): N(0, std) matrices, norms near 1, seeded.
  static LlamaModel random(LlamaConfig config, std::uint64_t seed, double std = 0.02);

  const LlamaConfig& config() const { return config_; }

  // config.json + model.safetensors (F32) in the Hugging Face layout.
  void save(const std::filesystem::path& dir) const;

  // Every weight under its Hugging Face name (lm_head only when untied); the tensors are the
  // model's own (the trainer sets requires_grad on them).
  std::vector<std::pair<std::string, torch::Tensor>> named_parameters() const;

  void set_dropout(DropoutOptions dropout) { dropout_ = dropout; }
  // LoRA adapters on projections (training, or an unmerged adapter); null: none.
  void set_adapters(std::shared_ptr<const LowRankAdapters> adapters) {
    adapters_ = std::move(adapters);
  }

  // Single-row products (batch-1 decoding) through MatVec (the default) or, when off, through
  // torch::mv and BLAS: bench/decode compares the two.
  void set_matvec(bool enabled);

  // Runs `tokens` [B, T] (int64) at rotary `positions` [B, T] (int64); `valid` [B, T] (bool)
  // is false for padding, which no other token attends to. Appends the T new columns to
  // `cache` and returns the final-norm hidden states [B, T, hidden]. With a sliding window w,
  // a token at position i attends to the real tokens at positions j with i - w < j <= i
  // (positions count a sequence's real tokens, so padding never shifts the window).
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& positions,
                        const torch::Tensor& valid, KvCache& cache) const;

  // Logits [..., vocab] of hidden states [..., hidden].
  torch::Tensor logits(const torch::Tensor& hidden) const;

  KvCache make_cache(std::int64_t batch, std::int64_t capacity) const {
    return KvCache(config_, batch, capacity);
  }

 private:
  LlamaModel() = default;
  using TensorSource =
      std::function<torch::Tensor(const std::string& name, std::vector<std::int64_t> shape)>;
  static LlamaModel build(LlamaConfig config, const TensorSource& take);
  torch::Tensor attention(const Layer& layer, const torch::Tensor& x, const torch::Tensor& cos,
                          const torch::Tensor& sin, const torch::Tensor& mask, std::size_t index,
                          KvCache& cache) const;
  // engine::project with this model's MatVec.
  std::vector<torch::Tensor> project(const torch::Tensor& x,
                                     std::initializer_list<WeightAndBias> weights) const;
  // cos/sin [B, T, head_dim] for these positions under the config's rope scaling.
  std::pair<torch::Tensor, torch::Tensor> rotary(const torch::Tensor& positions) const;

  LlamaConfig config_;
  torch::Tensor embed_;
  torch::Tensor lm_head_;  // the embedding when tied
  torch::Tensor final_norm_;
  std::vector<Layer> layers_;
  std::vector<float> inv_freq_;  // per head_dim/2, after static rope scaling
  float attention_factor_ = 1.0f;
  DropoutOptions dropout_;
  std::shared_ptr<MatVec> matvec_;  // shared by copies; threads start on first use
  std::shared_ptr<const LowRankAdapters> adapters_;
};

// Sets libtorch's intra-op threads to 1 (OpenBLAS threads its own GEMMs): the default mix of
// both thread pools is several times slower. Idempotent.
void configure_cpu_threads();

}  // namespace reasonrec::engine
