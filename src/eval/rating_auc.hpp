#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace reasonrec::eval {

// Scores of rows with binary labels, sorted once so that the area under the ROC curve can be
// computed in one linear pass for any integer weighting of the rows (bootstrap resamples,
// permutations) without sorting again.
//
// Tied scores form one ROC step, a diagonal segment: each (positive, negative) pair with equal
// scores counts one half. That is exactly the trapezoid area sklearn's roc_auc_score integrates
// (its thresholds are the distinct score values), computed here with exact integer counts.
class RankedScores {
 public:
  RankedScores() = default;
  RankedScores(const std::vector<double>& scores, const std::vector<bool>& positive);

  std::size_t size() const { return rows_.size(); }
  // AUC with every row counted once; nullopt when positives or negatives are absent.
  std::optional<double> auc() const;
  // AUC with row i (in construction order) counted weights[i] times.
  std::optional<double> auc(std::span<const std::uint32_t> weights) const;

 private:
  static constexpr std::uint32_t kPositive = 1;  // the row's label
  static constexpr std::uint32_t kGroupEnd = 2;  // last row of a run of equal scores
  struct Row {
    std::uint32_t index;  // position in construction order
    std::uint32_t flags;  // kPositive | kGroupEnd
  };
  template <typename WeightOf>
  std::optional<double> area(WeightOf weight_of) const;

  std::vector<Row> rows_;  // ascending by score
};

}  // namespace reasonrec::eval
