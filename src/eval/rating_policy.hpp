#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "eval/prediction.hpp"
#include "eval/rating_metrics.hpp"

namespace reasonrec::eval {

// What happens to a prediction whose rating could not be parsed. Always printed with the
// results, because it changes every number.
class UnparsedPolicy {
 public:
  enum class Kind {
    Exclude,   // left out of the metrics, counted and reported (the default)
    Wrong,     // scored as the worst wrong answer (see wrong_rating)
    Fallback,  // scored as a fixed rating
  };

  UnparsedPolicy() = default;
  static UnparsedPolicy exclude() { return UnparsedPolicy(Kind::Exclude, 0); }
  static UnparsedPolicy wrong() { return UnparsedPolicy(Kind::Wrong, 0); }
  static UnparsedPolicy fallback(int rating);
  // "exclude", "wrong" or "fallback:N" (N in 1..5); throws UsageError otherwise.
  static UnparsedPolicy parse(std::string_view text);

  Kind kind() const { return kind_; }
  int fallback_rating() const { return fallback_; }
  // The spelling parse() accepts, e.g. "fallback:3".
  std::string name() const;
  // One sentence for reports.
  std::string describe() const;

 private:
  UnparsedPolicy(Kind kind, int fallback) : kind_(kind), fallback_(fallback) {}
  Kind kind_ = Kind::Exclude;
  int fallback_ = 0;
};

// The answer an unparsed prediction is scored as under the "wrong" policy: the rating farthest
// from the truth on the other side of the binary cut (5 for truths 1..3, 1 for truths 4..5).
// It is wrong for binary and 5-class accuracy and has the largest possible absolute error.
int wrong_rating(int truth);

// Which value MAE and RMSE measure.
enum class PointSource {
  Rating,    // the predicted class (the paper's setting)
  Expected,  // the continuous expected_rating (e.g. a baseline's raw score); required on rows
};
PointSource parse_point_source(std::string_view text);  // "rating" | "expected"
std::string point_source_name(PointSource source);

// The scored row of one prediction under a policy, or nothing when it is excluded.
// Throws InputError-like Error naming the example when PointSource::Expected lacks a value.
std::optional<ScoredRow> score_row(const Prediction& p, const UnparsedPolicy& policy,
                                   PointSource point);

// A prediction file turned into rows to score.
struct ScoredSet {
  std::size_t total = 0;     // predictions read
  std::size_t unparsed = 0;  // of which unparsed (rating null)
  std::vector<ScoredRow> rows;
  std::vector<std::string> example_ids;  // one per row
};
ScoredSet score_predictions(const std::vector<Prediction>& predictions,
                            const UnparsedPolicy& policy, PointSource point);

}  // namespace reasonrec::eval
