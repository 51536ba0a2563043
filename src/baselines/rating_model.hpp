#pragma once

#include <string>
#include <vector>

#include "baselines/ratings_table.hpp"

namespace reasonrec::baselines {

// A collaborative-filtering rating predictor: fitted on a ratings table, then asked for the
// rating of any (user, item) pair, including users or items it never saw (it falls back to what
// it knows, e.g. the global mean).
class RatingModel {
 public:
  virtual ~RatingModel() = default;
  virtual std::string name() const = 0;
  // Throws Error on an empty table.
  virtual void fit(const std::vector<Rating>& train) = 0;
  virtual double predict(const std::string& user, const std::string& item) const = 0;
};

// Root mean squared error of the model's raw (unrounded) predictions on `test`.
double rmse(const RatingModel& model, const std::vector<Rating>& test);

// The mean rating of a table; throws Error when it is empty.
double mean_rating(const std::vector<Rating>& ratings);

}  // namespace reasonrec::baselines
