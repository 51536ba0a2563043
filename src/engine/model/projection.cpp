#include "engine/model/projection.hpp"

#include <cstdint>

namespace reasonrec::engine {
namespace {

// Whether x W^T + b can go to MatVec for every (W, b): one fp32 row on the CPU, contiguous
// fp32 weights and biases, and no gradient to record.
bool single_row_product(const torch::Tensor& x, std::initializer_list<WeightAndBias> weights) {
  const std::int64_t in = x.size(-1);
  if (x.numel() != in || x.scalar_type() != torch::kFloat32 || !x.device().is_cpu()) return false;
  const bool recording = torch::GradMode::is_enabled();
  if (recording && x.requires_grad()) return false;
  auto plain = [&](const torch::Tensor& t) {
    return t.scalar_type() == torch::kFloat32 && t.device().is_cpu() && t.is_contiguous() &&
           !(recording && t.requires_grad());
  };
  for (const auto& [weight, bias] : weights) {
    if (!plain(weight) || weight.dim() != 2 || weight.size(1) != in) return false;
    if (bias.defined() && (!plain(bias) || bias.numel() != weight.size(0))) return false;
  }
  return true;
}

}  // namespace

std::vector<torch::Tensor> project(MatVec* matvec, const torch::Tensor& x,
                                   std::initializer_list<WeightAndBias> weights) {
  std::vector<torch::Tensor> out;
  if (!matvec || !MatVec::supported() || !single_row_product(x, weights)) {
    for (const auto& [weight, bias] : weights) out.push_back(linear(x, weight, bias));
    return out;
  }
  const torch::Tensor row = x.contiguous();
  std::vector<MatVecProduct> products;
  for (const auto& [weight, bias] : weights) {
    std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = weight.size(0);
    out.push_back(torch::empty(shape));
    products.push_back({weight.data_ptr<float>(), bias.defined() ? bias.data_ptr<float>() : nullptr,
                        weight.size(0), weight.size(1), row.data_ptr<float>(),
                        out.back().data_ptr<float>()});
  }
  matvec->run(products);
  return out;
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  const std::int64_t in = x.size(-1);
  if (x.numel() == in) {
    torch::Tensor y = torch::mv(weight, x.reshape({in}));
    if (bias.defined()) y = y + bias;
    std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = weight.size(0);
    return y.view(shape);
  }
  std::vector<std::int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = weight.size(0);
  const torch::Tensor rows = x.reshape({-1, in});
  torch::Tensor y =
      bias.defined() ? torch::addmm(bias, rows, weight.t()) : torch::mm(rows, weight.t());
  return y.view(shape);
}

}  // namespace reasonrec::engine
