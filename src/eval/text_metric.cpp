#include "eval/text_metric.hpp"

#include "util/error.hpp"

namespace reasonrec::eval {

TextScore TextMetric::corpus(const std::vector<std::string>& candidates,
                             const std::vector<std::vector<std::string>>& references) const {
  if (candidates.size() != references.size()) {
    throw Error(name() + ": " + std::to_string(candidates.size()) + " candidates but " +
                std::to_string(references.size()) + " reference sets");
  }
  TextScore mean;
  if (candidates.empty()) return mean;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const TextScore s = sentence(candidates[i], references[i]);
    mean.score += s.score;
    for (const auto& [key, value] : s.parts) mean.parts[key] += value;
  }
  const double n = static_cast<double>(candidates.size());
  mean.score /= n;
  for (auto& [key, value] : mean.parts) value /= n;
  return mean;
}

}  // namespace reasonrec::eval
