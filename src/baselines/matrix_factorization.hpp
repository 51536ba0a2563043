#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "baselines/rating_model.hpp"

namespace reasonrec::baselines {

// Settings of biased matrix factorisation; defaults follow the common SGD setting (Funk;
// Koren et al. 2009; Surprise's SVD) with fewer factors, which suits small rating tables.
struct MfOptions {
  int factors = 50;
  int epochs = 20;
  double learning_rate = 0.005;
  double regularization = 0.02;  // L2 on biases and factors
  double init_std = 0.1;         // factors start uniform with this standard deviation
  std::uint64_t seed = 0;
};

// r̂(u, i) = μ + b_u + b_i + p_u · q_i, fitted by stochastic gradient descent on the squared
// error with L2 regularisation, visiting the ratings in a seeded shuffled order each epoch.
// Unknown users or items contribute zero bias and factors. Predictions are clipped to the range
// of the training ratings. Deterministic for a given seed on every platform.
class BiasedMf : public RatingModel {
 public:
  explicit BiasedMf(MfOptions options = {});
  std::string name() const override { return "mf"; }
  void fit(const std::vector<Rating>& train) override;
  double predict(const std::string& user, const std::string& item) const override;

  const MfOptions& options() const { return options_; }
  // Mean squared training error after each epoch (for diagnostics and tests).
  const std::vector<double>& training_mse() const { return training_mse_; }

 private:
  double dot(std::size_t user, std::size_t item) const;

  MfOptions options_;
  double mean_ = 0.0;
  double low_ = 0.0;
  double high_ = 0.0;
  std::unordered_map<std::string, std::size_t> user_index_;
  std::unordered_map<std::string, std::size_t> item_index_;
  std::vector<double> user_bias_;
  std::vector<double> item_bias_;
  std::vector<double> user_factors_;  // users x factors, row-major
  std::vector<double> item_factors_;  // items x factors
  std::vector<double> training_mse_;
};

}  // namespace reasonrec::baselines
