#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "eval/prediction.hpp"
#include "eval/rating_auc.hpp"
#include "eval/rating_confusion.hpp"

namespace reasonrec::eval {

// Every rating metric of one scored set of predictions.
struct RatingMetrics {
  std::uint64_t count = 0;  // predictions scored
  double binary_accuracy = 0.0;
  double binary_f1 = 0.0;
  double accuracy = 0.0;  // exact 5-class match ("Multi Acc")
  double macro_f1 = 0.0;
  double mae = 0.0;
  double rmse = 0.0;
  // From class probabilities, when every row has them and both sides of the cut (binary) or all
  // five classes (one-vs-rest) occur in the truth.
  std::optional<double> binary_auc;
  std::optional<double> ovr_auc;
  ConfusionMatrix confusion;
};

// The scalar metrics by stable name, in report order: binary_accuracy, binary_f1, accuracy,
// macro_f1, mae, rmse, binary_auc, ovr_auc (nullopt where undefined).
std::vector<std::pair<std::string, std::optional<double>>> named_values(const RatingMetrics& m);
// Names in the same order, for callers that need them without values.
const std::vector<std::string>& metric_names();

// One row to score.
struct ScoredRow {
  int truth = 0;      // true rating 1..5
  int predicted = 0;  // predicted class 1..5
  double point = 0;   // value for MAE/RMSE: the class itself or a continuous expected rating
  std::optional<ClassProbabilities> probabilities;
};

// Rows stored column-wise, with the score orderings for AUC sorted once, so that weighted
// evaluations (bootstrap resamples, permutations) cost one linear pass each.
class RatingTable {
 public:
  explicit RatingTable(const std::vector<ScoredRow>& rows);

  std::size_t size() const { return truth_.size(); }
  bool has_probabilities() const { return has_probabilities_; }
  int truth(std::size_t i) const { return truth_[i]; }

  // Throws Error when there are no rows.
  RatingMetrics evaluate() const;
  // Row i counted weights[i] times; throws Error when all weights are zero.
  RatingMetrics evaluate(std::span<const std::uint32_t> weights) const;

 private:
  template <typename WeightOf>
  RatingMetrics accumulate(WeightOf weight_of) const;

  std::vector<int> truth_;
  std::vector<int> predicted_;
  std::vector<double> point_;
  bool has_probabilities_ = false;
  RankedScores binary_scores_;                // P(4) + P(5) against truth > 3
  std::array<RankedScores, 5> class_scores_;  // P(k) against truth == k
};

}  // namespace reasonrec::eval
