#pragma once

#include <array>
#include <cstdint>

namespace reasonrec::eval {

// Counts of (true rating, predicted rating) pairs over the classes 1..5: row = truth, column =
// prediction, the layout of sklearn's confusion_matrix(y_true, y_pred, labels=[1,2,3,4,5]).
// Counts are integers; bootstrap resamples add a row several times through `weight`.
class ConfusionMatrix {
 public:
  void add(int truth, int predicted, std::uint64_t weight = 1);
  std::uint64_t at(int truth, int predicted) const;
  std::uint64_t total() const;

  // Share of exact 5-class matches (sklearn accuracy_score).
  double accuracy() const;
  // Mean of per-class F1 over the classes that occur in the truth or the predictions, with
  // F1 = 0 for a class never predicted correctly: sklearn f1_score(average="macro") with its
  // default labels and zero_division.
  double macro_f1() const;

  // The binary view, positive = rating > 3 (the paper's cut).
  std::uint64_t true_positives() const;
  std::uint64_t false_positives() const;
  std::uint64_t false_negatives() const;
  std::uint64_t true_negatives() const;
  double binary_accuracy() const;
  // F1 of the positive class; 0 when there are no true positives (sklearn's zero_division).
  double binary_f1() const;

 private:
  std::uint64_t block(bool truth_positive, bool predicted_positive) const;

  std::array<std::array<std::uint64_t, 5>, 5> counts_{};
};

// True when a rating counts as positive in the binary metrics.
constexpr bool is_positive_rating(int rating) {
  return rating > 3;
}

}  // namespace reasonrec::eval
