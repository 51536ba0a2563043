#include "baselines/rating_model.hpp"

#include <cmath>

#include "util/error.hpp"

namespace reasonrec::baselines {

double rmse(const RatingModel& model, const std::vector<Rating>& test) {
  if (test.empty()) throw Error("RMSE of no ratings");
  double sum = 0.0;
  for (const auto& r : test) {
    const double error = model.predict(r.user, r.item) - r.rating;
    sum += error * error;
  }
  return std::sqrt(sum / static_cast<double>(test.size()));
}

double mean_rating(const std::vector<Rating>& ratings) {
  if (ratings.empty()) throw Error("cannot fit a rating model on no ratings");
  double sum = 0.0;
  for (const auto& r : ratings) sum += r.rating;
  return sum / static_cast<double>(ratings.size());
}

}  // namespace reasonrec::baselines
