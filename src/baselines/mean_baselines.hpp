#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "baselines/rating_model.hpp"

namespace reasonrec::baselines {

// Predicts the mean of all training ratings for every pair.
class GlobalMean : public RatingModel {
 public:
  std::string name() const override { return "global-mean"; }
  void fit(const std::vector<Rating>& train) override;
  double predict(const std::string& user, const std::string& item) const override;

 private:
  double mean_ = 0.0;
};

// Predicts the mean of one key's training ratings (the user's, or the item's); a key never seen
// gets the global mean. No shrinkage: the plain average the paper's naive baseline uses.
class KeyMean : public RatingModel {
 public:
  enum class Key { User, Item };
  explicit KeyMean(Key key) : key_(key) {}
  std::string name() const override { return key_ == Key::User ? "user-average" : "item-average"; }
  void fit(const std::vector<Rating>& train) override;
  double predict(const std::string& user, const std::string& item) const override;

 private:
  Key key_;
  double global_ = 0.0;
  std::unordered_map<std::string, double> means_;
};

}  // namespace reasonrec::baselines
