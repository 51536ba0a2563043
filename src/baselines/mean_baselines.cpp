#include "baselines/mean_baselines.hpp"

#include <utility>

namespace reasonrec::baselines {

void GlobalMean::fit(const std::vector<Rating>& train) {
  mean_ = mean_rating(train);
}

double GlobalMean::predict(const std::string&, const std::string&) const {
  return mean_;
}

void KeyMean::fit(const std::vector<Rating>& train) {
  global_ = mean_rating(train);
  std::unordered_map<std::string, std::pair<double, std::size_t>> sums;
  for (const auto& r : train) {
    auto& [sum, count] = sums[key_ == Key::User ? r.user : r.item];
    sum += r.rating;
    ++count;
  }
  means_.clear();
  for (const auto& [key, total] : sums) {
    means_[key] = total.first / static_cast<double>(total.second);
  }
}

double KeyMean::predict(const std::string& user, const std::string& item) const {
  const auto it = means_.find(key_ == Key::User ? user : item);
  return it == means_.end() ? global_ : it->second;
}

}  // namespace reasonrec::baselines
