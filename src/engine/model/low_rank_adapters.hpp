#pragma once

// Internal to the engine (includes torch): LoRA adapters on a model's projections. A weight W
// with an adapter (A [r, in], B [out, r], scaling alpha / r) computes
//   y = x W^T + scaling * dropout(x) A^T B^T
// as PEFT's LoRA layer does, unmerged (training: gradients reach A and B) or merged into W.

#include <string>
#include <unordered_map>
#include <vector>

#include <torch/torch.h>

namespace reasonrec::engine {

struct LowRankAdapter {
  std::string module;  // the projection's module path, e.g. model.layers.0.self_attn.q_proj
  torch::Tensor a;     // lora_A.weight [r, in]
  torch::Tensor b;     // lora_B.weight [out, r]
  double scaling = 1.0;
  double dropout = 0.0;  // on the adapter's input, while training
};

// The adapter's term scaling * dropout(x) A^T B^T (any floating dtype).
torch::Tensor low_rank_delta(const torch::Tensor& x, const LowRankAdapter& adapter, bool training);

// W + scaling * B A: the merged weight (same dtype as W).
torch::Tensor merged_weight(const torch::Tensor& weight, const LowRankAdapter& adapter);

// Adapters keyed by the base weight they belong to (the model's own tensor, by identity): a
// model consults them in each projection without its layers knowing about LoRA.
class LowRankAdapters {
 public:
  void add(const torch::Tensor& base_weight, LowRankAdapter adapter);
  // y plus the adapter of `weight`'s term, or y when the weight has none.
  torch::Tensor apply(const torch::Tensor& weight, const torch::Tensor& x, torch::Tensor y,
                      bool training) const;
  const std::vector<LowRankAdapter>& adapters() const { return adapters_; }

 private:
  std::vector<LowRankAdapter> adapters_;
  std::unordered_map<const void*, std::size_t> by_weight_;
};

}  // namespace reasonrec::engine
