#include "eval/rating_metrics.hpp"

#include <cmath>

#include "util/error.hpp"

namespace reasonrec::eval {

const std::vector<std::string>& metric_names() {
  static const std::vector<std::string> names{"binary_accuracy", "binary_f1", "accuracy",
                                              "macro_f1",        "mae",       "rmse",
                                              "binary_auc",      "ovr_auc"};
  return names;
}

std::vector<std::pair<std::string, std::optional<double>>> named_values(const RatingMetrics& m) {
  const auto& names = metric_names();
  return {{names[0], m.binary_accuracy}, {names[1], m.binary_f1}, {names[2], m.accuracy},
          {names[3], m.macro_f1},        {names[4], m.mae},       {names[5], m.rmse},
          {names[6], m.binary_auc},      {names[7], m.ovr_auc}};
}

RatingTable::RatingTable(const std::vector<ScoredRow>& rows) {
  if (rows.size() > UINT32_MAX) throw Error("too many predictions to score");
  truth_.reserve(rows.size());
  predicted_.reserve(rows.size());
  point_.reserve(rows.size());
  has_probabilities_ = !rows.empty();
  for (const auto& row : rows) {
    if (row.truth < 1 || row.truth > 5 || row.predicted < 1 || row.predicted > 5) {
      throw Error("scored rows need ratings 1..5");
    }
    truth_.push_back(row.truth);
    predicted_.push_back(row.predicted);
    point_.push_back(row.point);
    if (!row.probabilities) has_probabilities_ = false;
  }
  if (!has_probabilities_) return;
  std::vector<double> scores(rows.size());
  std::vector<bool> labels(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& p = *rows[i].probabilities;
    scores[i] = p[3] + p[4];
    labels[i] = is_positive_rating(rows[i].truth);
  }
  binary_scores_ = RankedScores(scores, labels);
  for (std::size_t k = 0; k < 5; ++k) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
      scores[i] = (*rows[i].probabilities)[k];
      labels[i] = rows[i].truth == static_cast<int>(k) + 1;
    }
    class_scores_[k] = RankedScores(scores, labels);
  }
}

template <typename WeightOf>
RatingMetrics RatingTable::accumulate(WeightOf weight_of) const {
  RatingMetrics m;
  // Rows were validated on construction, so count into a plain array first.
  std::array<std::uint64_t, 25> cells{};
  double abs_sum = 0.0, sq_sum = 0.0;
  for (std::size_t i = 0; i < truth_.size(); ++i) {
    const std::uint64_t w = weight_of(i);
    cells[static_cast<std::size_t>(5 * (truth_[i] - 1) + predicted_[i] - 1)] += w;
    const double error = point_[i] - truth_[i];
    abs_sum += static_cast<double>(w) * std::abs(error);
    sq_sum += static_cast<double>(w) * error * error;
  }
  for (int t = 1; t <= 5; ++t) {
    for (int p = 1; p <= 5; ++p) {
      const std::uint64_t c = cells[static_cast<std::size_t>(5 * (t - 1) + p - 1)];
      if (c > 0) m.confusion.add(t, p, c);
    }
  }
  m.count = m.confusion.total();
  if (m.count == 0) throw Error("no predictions to score");
  const double n = static_cast<double>(m.count);
  m.binary_accuracy = m.confusion.binary_accuracy();
  m.binary_f1 = m.confusion.binary_f1();
  m.accuracy = m.confusion.accuracy();
  m.macro_f1 = m.confusion.macro_f1();
  m.mae = abs_sum / n;
  m.rmse = std::sqrt(sq_sum / n);
  return m;
}

RatingMetrics RatingTable::evaluate() const {
  RatingMetrics m = accumulate([](std::size_t) { return std::uint64_t{1}; });
  if (!has_probabilities_) return m;
  m.binary_auc = binary_scores_.auc();
  double sum = 0.0;
  for (const auto& scores : class_scores_) {
    const auto auc = scores.auc();
    if (!auc) return m;  // a class absent from the truth: sklearn refuses, so do we
    sum += *auc;
  }
  m.ovr_auc = sum / 5.0;
  return m;
}

RatingMetrics RatingTable::evaluate(std::span<const std::uint32_t> weights) const {
  if (weights.size() != size()) throw Error("RatingTable: one weight per row expected");
  RatingMetrics m = accumulate([&](std::size_t i) { return std::uint64_t{weights[i]}; });
  if (!has_probabilities_) return m;
  m.binary_auc = binary_scores_.auc(weights);
  double sum = 0.0;
  for (const auto& scores : class_scores_) {
    const auto auc = scores.auc(weights);
    if (!auc) return m;
    sum += *auc;
  }
  m.ovr_auc = sum / 5.0;
  return m;
}

}  // namespace reasonrec::eval
