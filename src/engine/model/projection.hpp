#pragma once

// Internal to the engine (includes torch): the models' projections x W^T + b.

#include <initializer_list>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "engine/model/matvec.hpp"

namespace reasonrec::engine {

using WeightAndBias = std::pair<const torch::Tensor&, const torch::Tensor&>;  // bias may be {}

// x W^T + b for each (W, b), shaped like x with the last dimension W's rows. One MatVec job
// when `matvec` is set, x is a single fp32 row and no gradient is wanted (batch-1 decoding);
// linear() per pair otherwise.
std::vector<torch::Tensor> project(MatVec* matvec, const torch::Tensor& x,
                                   std::initializer_list<WeightAndBias> weights);

// fp32 y = x W^T + b through libtorch: a matrix-vector product when x holds a single row (5x
// faster than a one-row GEMM on CPU), a GEMM otherwise.
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& weight,
                     const torch::Tensor& bias);

}  // namespace reasonrec::engine
