#pragma once

#include <cstdint>

#include "train/train_options.hpp"

namespace reasonrec::train {

// The learning rate of optimizer step `step` (0-based) as transformers' schedulers give it:
// linear warmup from 0 over `warmup` steps, then constant, linear decay to 0 at `total`, or
// half a cosine down to 0 at `total`.
double learning_rate(Schedule schedule, double peak, std::int64_t step, std::int64_t warmup,
                     std::int64_t total);

}  // namespace reasonrec::train
