#include "eval/rating_auc.hpp"

#include <algorithm>
#include <numeric>

#include "util/error.hpp"

namespace reasonrec::eval {

RankedScores::RankedScores(const std::vector<double>& scores, const std::vector<bool>& positive) {
  if (scores.size() != positive.size()) throw Error("RankedScores: scores and labels differ");
  std::vector<std::uint32_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return scores[a] < scores[b]; });
  rows_.reserve(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const bool last = k + 1 == order.size() || scores[order[k + 1]] != scores[order[k]];
    rows_.push_back({order[k], (positive[order[k]] ? kPositive : 0u) | (last ? kGroupEnd : 0u)});
  }
}

template <typename WeightOf>
std::optional<double> RankedScores::area(WeightOf weight_of) const {
  // Twice the Mann-Whitney count, in exact integers: for each group of tied scores,
  // 2 * positives * (negatives scored lower) + positives * (negatives tied). Branch-free, as the
  // label and group-end flags are unpredictable and this loop dominates the bootstrap.
  std::uint64_t negatives_below = 0, positives = 0, twice_pairs = 0;
  std::uint64_t group_pos = 0, group_neg = 0;
  for (const Row& row : rows_) {
    const std::uint64_t w = weight_of(row.index);
    const std::uint64_t positive_w = w & (std::uint64_t{0} - (row.flags & kPositive));
    group_pos += positive_w;
    group_neg += w - positive_w;
    const std::uint64_t end = std::uint64_t{0} - ((row.flags & kGroupEnd) >> 1);
    twice_pairs += (2 * group_pos * negatives_below + group_pos * group_neg) & end;
    negatives_below += group_neg & end;
    positives += group_pos & end;
    group_pos &= ~end;
    group_neg &= ~end;
  }
  if (positives == 0 || negatives_below == 0) return std::nullopt;
  return static_cast<double>(twice_pairs) /
         (2.0 * static_cast<double>(positives) * static_cast<double>(negatives_below));
}

std::optional<double> RankedScores::auc() const {
  return area([](std::uint32_t) { return std::uint64_t{1}; });
}

std::optional<double> RankedScores::auc(std::span<const std::uint32_t> weights) const {
  if (weights.size() != rows_.size()) throw Error("RankedScores: one weight per row expected");
  return area([&](std::uint32_t i) { return std::uint64_t{weights[i]}; });
}

}  // namespace reasonrec::eval
