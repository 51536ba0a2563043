#include "eval/rating_confusion.hpp"

#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

std::size_t class_index(int rating) {
  if (rating < 1 || rating > 5) {
    throw Error("rating must be 1..5, got " + std::to_string(rating));
  }
  return static_cast<std::size_t>(rating - 1);
}

double f1(std::uint64_t tp, std::uint64_t fp, std::uint64_t fn) {
  if (tp == 0) return 0.0;
  return 2.0 * static_cast<double>(tp) / static_cast<double>(2 * tp + fp + fn);
}

}  // namespace

void ConfusionMatrix::add(int truth, int predicted, std::uint64_t weight) {
  counts_[class_index(truth)][class_index(predicted)] += weight;
}

std::uint64_t ConfusionMatrix::at(int truth, int predicted) const {
  return counts_[class_index(truth)][class_index(predicted)];
}

std::uint64_t ConfusionMatrix::total() const {
  std::uint64_t sum = 0;
  for (const auto& row : counts_) {
    for (auto c : row) sum += c;
  }
  return sum;
}

double ConfusionMatrix::accuracy() const {
  std::uint64_t correct = 0;
  for (std::size_t k = 0; k < 5; ++k) correct += counts_[k][k];
  return static_cast<double>(correct) / static_cast<double>(total());
}

double ConfusionMatrix::macro_f1() const {
  double sum = 0.0;
  int present = 0;
  for (std::size_t k = 0; k < 5; ++k) {
    std::uint64_t row = 0, column = 0;
    for (std::size_t j = 0; j < 5; ++j) {
      row += counts_[k][j];
      column += counts_[j][k];
    }
    if (row == 0 && column == 0) continue;  // sklearn only averages over labels it has seen
    const std::uint64_t tp = counts_[k][k];
    sum += f1(tp, column - tp, row - tp);
    ++present;
  }
  return present == 0 ? 0.0 : sum / present;
}

std::uint64_t ConfusionMatrix::block(bool truth_positive, bool predicted_positive) const {
  std::uint64_t sum = 0;
  for (int t = 1; t <= 5; ++t) {
    if (is_positive_rating(t) != truth_positive) continue;
    for (int p = 1; p <= 5; ++p) {
      if (is_positive_rating(p) == predicted_positive) sum += at(t, p);
    }
  }
  return sum;
}

std::uint64_t ConfusionMatrix::true_positives() const {
  return block(true, true);
}
std::uint64_t ConfusionMatrix::false_positives() const {
  return block(false, true);
}
std::uint64_t ConfusionMatrix::false_negatives() const {
  return block(true, false);
}
std::uint64_t ConfusionMatrix::true_negatives() const {
  return block(false, false);
}

double ConfusionMatrix::binary_accuracy() const {
  return static_cast<double>(true_positives() + true_negatives()) / static_cast<double>(total());
}

double ConfusionMatrix::binary_f1() const {
  return f1(true_positives(), false_positives(), false_negatives());
}

}  // namespace reasonrec::eval
