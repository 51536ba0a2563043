#include "train/validation.hpp"

#include <cmath>

#include "util/error.hpp"

namespace reasonrec::train {

ValidationSet prepare_validation(const Student& student, const std::vector<SftRecord>& records,
                                 int max_input, int max_target) {
  ValidationSet set;
  for (const SftRecord& r : records) {
    const auto digit = r.rating ? r.target.find_last_of("12345") : std::string::npos;
    if (!r.rating || *r.rating < 1 || *r.rating > 5 || digit == std::string::npos ||
        r.target[digit] != static_cast<char>('0' + *r.rating)) {
      ++set.skipped;
      continue;
    }
    // The target with each rating in place of the true one: the five must differ in exactly
    // one label, the rating token.
    std::array<TokenizedPair, 5> variants;
    for (int k = 1; k <= 5; ++k) {
      SftRecord v = r;
      v.target[digit] = static_cast<char>('0' + k);
      variants[static_cast<std::size_t>(k - 1)] = student.tokenize(v, max_input, max_target);
    }
    const auto& labels = variants[0].labels;
    std::int64_t position = -1;
    bool one_token = true;
    for (const auto& v : variants) one_token = one_token && v.labels.size() == labels.size();
    for (std::size_t t = 0; one_token && t < labels.size(); ++t) {
      bool differs = false;
      for (const auto& v : variants) differs = differs || v.labels[t] != labels[t];
      if (differs) {
        if (position >= 0) one_token = false;
        position = static_cast<std::int64_t>(t);
      }
    }
    if (!one_token || position < 0) {
      ++set.skipped;
      continue;
    }
    std::array<std::int32_t, 5> ids{};
    for (std::size_t k = 0; k < 5; ++k)
      ids[k] = variants[k].labels[static_cast<std::size_t>(position)];
    set.pairs.push_back(variants[static_cast<std::size_t>(*r.rating - 1)]);
    set.truth.push_back(*r.rating);
    set.rating_position.push_back(position);
    set.rating_ids.push_back(ids);
  }
  return set;
}

bool higher_is_better(const std::string& metric) {
  return metric != "rmse" && metric != "mae" && metric != "loss";
}

double metric_value(const eval::RatingMetrics& m, double loss, const std::string& metric) {
  if (metric == "loss") return loss;
  for (const auto& [name, value] : eval::named_values(m)) {
    if (name == metric) return value.value_or(std::nan(""));
  }
  std::string names = "loss";
  for (const auto& name : eval::metric_names()) names += ", " + name;
  throw UsageError("--eval-metric: unknown metric '" + metric + "' (" + names + ")");
}

Validation validate(Student& student, const ValidationSet& set, int batch) {
  if (set.pairs.empty()) throw Error("validate: no usable eval records");
  torch::NoGradGuard no_grad;
  student.set_training(false);
  std::vector<eval::ScoredRow> rows;
  double loss = 0.0;
  std::size_t tokens = 0;
  for (std::size_t begin = 0; begin < set.pairs.size(); begin += static_cast<std::size_t>(batch)) {
    const std::size_t end = std::min(set.pairs.size(), begin + static_cast<std::size_t>(batch));
    std::vector<const TokenizedPair*> part;
    for (std::size_t i = begin; i < end; ++i) {
      part.push_back(&set.pairs[i]);
      tokens += set.pairs[i].labels.size();
    }
    loss += student.loss_sum(part).item<double>();
    const torch::Tensor logits = student.label_logits(part);
    for (std::size_t i = begin; i < end; ++i) {
      const torch::Tensor at = logits[static_cast<std::int64_t>(i - begin)][set.rating_position[i]];
      const auto& ids = set.rating_ids[i];
      const torch::Tensor five =
          torch::softmax(
              at.index_select(0, torch::tensor(std::vector<std::int64_t>(ids.begin(), ids.end()))),
              0)
              .to(torch::kFloat64);
      eval::ScoredRow row;
      row.truth = set.truth[i];
      eval::ClassProbabilities p{};
      double expected = 0.0;
      int best = 1;
      for (int k = 0; k < 5; ++k) {
        p[static_cast<std::size_t>(k)] = five[k].item<double>();
        expected += (k + 1) * p[static_cast<std::size_t>(k)];
        if (p[static_cast<std::size_t>(k)] > p[static_cast<std::size_t>(best - 1)]) best = k + 1;
      }
      row.predicted = best;
      row.point = expected;
      row.probabilities = p;
      rows.push_back(row);
    }
  }
  student.set_training(true);
  return Validation{eval::RatingTable(rows).evaluate(), loss / static_cast<double>(tokens)};
}

}  // namespace reasonrec::train
