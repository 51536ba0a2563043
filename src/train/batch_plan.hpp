#pragma once

// The order in which training examples are read: torch-free and a pure function of the seed,
// so that a resumed run reads exactly what the uninterrupted one would have.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace reasonrec::train {

// Where the reader stands: epoch and micro-batch within it.
struct DataPosition {
  std::int64_t epoch = 0;
  std::int64_t micro_batch = 0;
};

// The micro-batches of one epoch (example indices). Examples are shuffled with
// Rng(seed + epoch), cut into pools of 32 micro-batches, each pool sorted by length (so a
// micro-batch pads little), cut into micro-batches, and the micro-batches of the epoch
// shuffled again; the last, short micro-batch is kept.
std::vector<std::vector<std::size_t>> epoch_micro_batches(const std::vector<std::int64_t>& lengths,
                                                          int micro_batch, std::uint64_t seed,
                                                          std::int64_t epoch);

}  // namespace reasonrec::train
