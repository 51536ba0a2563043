#pragma once

// Internal to the trainer (includes torch): rating metrics of the student during training, by
// the paper's method for Flan-T5 (the probabilities of the rating tokens "1".."5" where the
// answer's rating stands, normalised over the five): expected rating, RMSE, accuracy, AUC. The
// answer up to the rating is the eval record's own target (teacher-forced), so for a reasoning
// student it measures the rating it gives after that reasoning, not after its own.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "eval/rating_metrics.hpp"
#include "train/sft_records.hpp"
#include "train/student.hpp"

namespace reasonrec::train {

struct ValidationSet {
  std::vector<TokenizedPair> pairs;
  std::vector<int> truth;
  std::vector<std::int64_t> rating_position;            // index into the pair's labels
  std::vector<std::array<std::int32_t, 5>> rating_ids;  // the tokens of "1".."5" there
  std::size_t skipped = 0;  // records without a rating, or whose rating is not one token
};

// Records need `rating` (1..5) and a target whose last digit is that rating.
ValidationSet prepare_validation(const Student& student, const std::vector<SftRecord>& records,
                                 int max_input, int max_target);

// Higher is better for this metric (accuracies, F1, AUC) or lower (mae, rmse, loss).
bool higher_is_better(const std::string& metric);
// The metric's value; UsageError naming the choices for an unknown one.
double metric_value(const eval::RatingMetrics& metrics, double loss, const std::string& metric);

struct Validation {
  eval::RatingMetrics metrics;
  double loss = 0.0;  // mean cross-entropy per label token over the set
};

// In eval mode and without gradients; micro-batches of `batch`.
Validation validate(Student& student, const ValidationSet& set, int batch);

}  // namespace reasonrec::train
