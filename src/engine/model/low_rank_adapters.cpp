#include "engine/model/low_rank_adapters.hpp"

namespace reasonrec::engine {

torch::Tensor low_rank_delta(const torch::Tensor& x, const LowRankAdapter& adapter, bool training) {
  const torch::Tensor in = torch::dropout(x, adapter.dropout, training && adapter.dropout > 0.0);
  return torch::matmul(torch::matmul(in, adapter.a.t()), adapter.b.t()) * adapter.scaling;
}

torch::Tensor merged_weight(const torch::Tensor& weight, const LowRankAdapter& adapter) {
  return weight + torch::matmul(adapter.b, adapter.a).to(weight.dtype()) * adapter.scaling;
}

void LowRankAdapters::add(const torch::Tensor& base_weight, LowRankAdapter adapter) {
  by_weight_[base_weight.unsafeGetTensorImpl()] = adapters_.size();
  adapters_.push_back(std::move(adapter));
}

torch::Tensor LowRankAdapters::apply(const torch::Tensor& weight, const torch::Tensor& x,
                                     torch::Tensor y, bool training) const {
  const auto found = by_weight_.find(weight.unsafeGetTensorImpl());
  if (found == by_weight_.end()) return y;
  return y + low_rank_delta(x, adapters_[found->second], training);
}

}  // namespace reasonrec::engine
