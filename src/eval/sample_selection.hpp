#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/prediction.hpp"

namespace reasonrec::eval {

// How several samples of one example become the one row that is scored. Scoring every sample as
// its own row would count an example M times and narrow every interval (pseudo-replication).
enum class Aggregate {
  First,         // the sample with the lowest index
  Majority,      // the self-consistency vote over the parsed ratings
  MeanExpected,  // the mean of each sample's expected rating, rounded to a class
};
// "first" | "majority" | "mean-expected"; throws UsageError otherwise.
Aggregate parse_aggregate(std::string_view text);
std::string aggregate_name(Aggregate aggregate);

struct SampleSelection {
  std::optional<int> sample;  // only this sample index (overrides aggregate)
  Aggregate aggregate = Aggregate::First;
};

// Which examples a file's predictions are kept for.
struct SplitFilter {
  std::string split = "test";  // "test", "train" or "all" (every split, explicitly mixed)
};

// One prediction per example, in the order each example first appears.
struct SelectedPredictions {
  std::vector<Prediction> predictions;
  std::size_t lines = 0;                // predictions read from the file
  std::size_t other_splits = 0;         // lines left out by the split filter
  std::size_t samples_per_example = 0;  // the most samples any example has
  std::string selection;                // e.g. "sample 0 of 8" or "majority of 8"
};

// Filters `predictions` (read from `file`) by split and reduces each example to one row.
// Errors name the file: nothing left after the split filter (with the splits it does hold), a
// sample index no example has, or two lines with the same example and sample index.
SelectedPredictions select_per_example(const std::vector<Prediction>& predictions,
                                       const std::string& file, const SplitFilter& filter,
                                       const SampleSelection& selection);

// The aggregate of the samples of one example (all share example id and truth).
// Majority: the most frequent parsed rating; ties go to the rating nearest the mean of the parsed
// ratings, then to the lower one; probabilities are the vote shares. MeanExpected: the mean over
// parsed samples of expected_rating, else the expectation under the probabilities, else the
// rating; the class is that mean rounded half up; probabilities are the mean distribution (a
// sample without one counts as certain of its rating). Unparsed when no sample parsed.
Prediction aggregate_samples(const std::vector<const Prediction*>& samples, Aggregate aggregate);

}  // namespace reasonrec::eval
