#include "baselines/matrix_factorization.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::baselines {

namespace {

std::size_t index_of(std::unordered_map<std::string, std::size_t>& index, const std::string& key) {
  return index.emplace(key, index.size()).first->second;
}

}  // namespace

BiasedMf::BiasedMf(MfOptions options) : options_(options) {
  if (options_.factors < 0) throw UsageError("MF factors must be >= 0");
  if (options_.epochs < 0) throw UsageError("MF epochs must be >= 0");
  if (!(options_.learning_rate > 0.0)) throw UsageError("MF learning rate must be > 0");
  if (!(options_.regularization >= 0.0)) throw UsageError("MF regularisation must be >= 0");
  if (!(options_.init_std >= 0.0)) throw UsageError("MF init std must be >= 0");
}

double BiasedMf::dot(std::size_t user, std::size_t item) const {
  const auto k = static_cast<std::size_t>(options_.factors);
  const double* p = &user_factors_[user * k];
  const double* q = &item_factors_[item * k];
  double sum = 0.0;
  for (std::size_t f = 0; f < k; ++f) sum += p[f] * q[f];
  return sum;
}

void BiasedMf::fit(const std::vector<Rating>& train) {
  mean_ = mean_rating(train);
  const auto [low, high] =
      std::minmax_element(train.begin(), train.end(),
                          [](const Rating& a, const Rating& b) { return a.rating < b.rating; });
  low_ = low->rating;
  high_ = high->rating;

  user_index_.clear();
  item_index_.clear();
  std::vector<std::size_t> users(train.size()), items(train.size());
  for (std::size_t r = 0; r < train.size(); ++r) {
    users[r] = index_of(user_index_, train[r].user);
    items[r] = index_of(item_index_, train[r].item);
  }
  const auto k = static_cast<std::size_t>(options_.factors);
  user_bias_.assign(user_index_.size(), 0.0);
  item_bias_.assign(item_index_.size(), 0.0);
  user_factors_.resize(user_index_.size() * k);
  item_factors_.resize(item_index_.size() * k);
  // Uniform on [-a, a] has standard deviation a / sqrt(3); uniform rather than normal keeps the
  // draws free of libm functions, whose last bits differ between platforms.
  Rng init(derive_seed(options_.seed, "mf-init"));
  const double a = options_.init_std * std::sqrt(3.0);
  for (auto& x : user_factors_) x = (2.0 * init.uniform() - 1.0) * a;
  for (auto& x : item_factors_) x = (2.0 * init.uniform() - 1.0) * a;

  Rng order_rng(derive_seed(options_.seed, "mf-order"));
  std::vector<std::size_t> order(train.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const double lr = options_.learning_rate;
  const double reg = options_.regularization;
  training_mse_.clear();
  for (int epoch = 0; epoch < options_.epochs; ++epoch) {
    order_rng.shuffle(order);
    double squared = 0.0;
    for (const std::size_t r : order) {
      const std::size_t u = users[r], i = items[r];
      const double error = train[r].rating - (mean_ + user_bias_[u] + item_bias_[i] + dot(u, i));
      squared += error * error;
      user_bias_[u] += lr * (error - reg * user_bias_[u]);
      item_bias_[i] += lr * (error - reg * item_bias_[i]);
      double* p = &user_factors_[u * k];
      double* q = &item_factors_[i * k];
      for (std::size_t f = 0; f < k; ++f) {
        const double pf = p[f], qf = q[f];
        p[f] += lr * (error * qf - reg * pf);
        q[f] += lr * (error * pf - reg * qf);
      }
    }
    training_mse_.push_back(squared / static_cast<double>(train.size()));
  }
}

double BiasedMf::predict(const std::string& user, const std::string& item) const {
  double estimate = mean_;
  const auto u = user_index_.find(user);
  const auto i = item_index_.find(item);
  if (u != user_index_.end()) estimate += user_bias_[u->second];
  if (i != item_index_.end()) estimate += item_bias_[i->second];
  if (u != user_index_.end() && i != item_index_.end()) estimate += dot(u->second, i->second);
  return std::clamp(estimate, low_, high_);
}

}  // namespace reasonrec::baselines
