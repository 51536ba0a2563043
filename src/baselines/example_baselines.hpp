#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "baselines/matrix_factorization.hpp"
#include "baselines/ratings_table.hpp"
#include "data/example.hpp"
#include "eval/prediction.hpp"

namespace reasonrec::baselines {

enum class BaselineMethod {
  GlobalMean,   // mean of all training ratings
  UserAverage,  // the paper's naive baseline: mean of the ratings in the example's own history
  ItemAverage,  // mean training rating of the target item
  Mf,           // biased matrix factorisation
};
// "global", "user", "item" or "mf"; throws UsageError otherwise.
BaselineMethod parse_baseline_method(std::string_view text);
// The model name written to predictions: "global-mean", "user-average", "item-average", "mf".
std::string baseline_model_name(BaselineMethod method);

// The ratings a baseline may learn from: the targets of train-split examples plus every history
// entry of every example (test users' histories are in their prompts, so a baseline may see them
// too). Each (user, item, time) rating is kept once, and any rating of a (user, item) pair that is
// the target of a test example is left out, so no test answer leaks into training.
std::vector<Rating> training_ratings(const std::vector<data::Example>& examples);

// A continuous score mapped to the rating classes 1..5: clamped to [1, 5], then rounded to the
// nearest integer with halves rounded up (3.5 -> 4). Documented in docs/baselines.md.
int round_to_class(double score);

struct BaselineOptions {
  BaselineMethod method = BaselineMethod::Mf;
  std::string split = "test";  // which examples to predict: "train", "test" or "all"
  MfOptions mf;
};

// Fits the method on training_ratings(examples) and predicts the chosen split, one prediction per
// example in the shared predictions.jsonl schema: rating = round_to_class(score), expected_rating
// = the score clamped to [1, 5], raw = the score as text.
std::vector<eval::Prediction> predict_baseline(const std::vector<data::Example>& examples,
                                               const BaselineOptions& options);

// `reasonrec baseline` on examples: reads them, predicts, writes predictions.jsonl atomically.
// Returns the number of predictions written.
std::size_t run_baseline_job(const std::string& examples_path, const std::string& out_path,
                             const BaselineOptions& options);

// `reasonrec baseline --ratings`: every method fitted on a seeded split of a ratings table.
struct RatingsBenchmark {
  std::size_t ratings = 0;
  std::size_t train = 0;
  std::size_t test = 0;
  std::vector<std::pair<std::string, double>> rmse;  // (method, test RMSE)
};
RatingsBenchmark benchmark_on_ratings(const std::string& csv_path, double test_fraction,
                                      const MfOptions& mf);

}  // namespace reasonrec::baselines
