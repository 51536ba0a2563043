#include "train/batch_plan.hpp"

#include <algorithm>
#include <numeric>

#include "util/random.hpp"

namespace reasonrec::train {

std::vector<std::vector<std::size_t>> epoch_micro_batches(const std::vector<std::int64_t>& lengths,
                                                          int micro_batch, std::uint64_t seed,
                                                          std::int64_t epoch) {
  const auto size = static_cast<std::size_t>(std::max(1, micro_batch));
  std::vector<std::size_t> order(lengths.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(epoch));
  rng.shuffle(order);
  const std::size_t pool = size * 32;
  for (std::size_t start = 0; start < order.size(); start += pool) {
    const auto end =
        order.begin() + static_cast<std::ptrdiff_t>(std::min(order.size(), start + pool));
    std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(start), end,
                     [&](std::size_t a, std::size_t b) { return lengths[a] < lengths[b]; });
  }
  std::vector<std::vector<std::size_t>> batches;
  for (std::size_t start = 0; start < order.size(); start += size) {
    const std::size_t end = std::min(order.size(), start + size);
    batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start),
                         order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  rng.shuffle(batches);
  return batches;
}

}  // namespace reasonrec::train
