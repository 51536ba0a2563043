#include "eval/rating_policy.hpp"

#include <charconv>

#include "util/error.hpp"

namespace reasonrec::eval {

UnparsedPolicy UnparsedPolicy::fallback(int rating) {
  if (rating < 1 || rating > 5) {
    throw UsageError("fallback rating must be 1..5, got " + std::to_string(rating));
  }
  return UnparsedPolicy(Kind::Fallback, rating);
}

UnparsedPolicy UnparsedPolicy::parse(std::string_view text) {
  if (text == "exclude") return exclude();
  if (text == "wrong") return wrong();
  constexpr std::string_view prefix = "fallback:";
  if (text.substr(0, prefix.size()) == prefix) {
    const auto digits = text.substr(prefix.size());
    int rating = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), rating);
    if (ec == std::errc() && end == digits.data() + digits.size() && !digits.empty()) {
      return fallback(rating);
    }
  }
  throw UsageError("unparsed policy must be exclude, wrong or fallback:N (N in 1..5), got '" +
                   std::string(text) + "'");
}

std::string UnparsedPolicy::name() const {
  switch (kind_) {
    case Kind::Exclude:
      return "exclude";
    case Kind::Wrong:
      return "wrong";
    case Kind::Fallback:
      return "fallback:" + std::to_string(fallback_);
  }
  return "exclude";
}

std::string UnparsedPolicy::describe() const {
  switch (kind_) {
    case Kind::Exclude:
      return "unparsed predictions are excluded from the metrics and reported";
    case Kind::Wrong:
      return "unparsed predictions count as wrong (scored as the farthest rating across the "
             "binary cut: 5 for true ratings 1-3, 1 for true ratings 4-5)";
    case Kind::Fallback:
      return "unparsed predictions are scored as rating " + std::to_string(fallback_);
  }
  return {};
}

int wrong_rating(int truth) {
  return truth <= 3 ? 5 : 1;
}

PointSource parse_point_source(std::string_view text) {
  if (text == "rating") return PointSource::Rating;
  if (text == "expected") return PointSource::Expected;
  throw UsageError("point must be 'rating' or 'expected', got '" + std::string(text) + "'");
}

std::string point_source_name(PointSource source) {
  return source == PointSource::Rating ? "rating" : "expected";
}

std::optional<ScoredRow> score_row(const Prediction& p, const UnparsedPolicy& policy,
                                   PointSource point) {
  ScoredRow row;
  row.truth = p.true_rating;
  row.probabilities = p.probabilities;
  if (p.rating) {
    row.predicted = *p.rating;
    if (point == PointSource::Expected) {
      if (!p.expected_rating) {
        throw Error("prediction for example '" + p.example_id +
                    "' has no expected_rating (needed by --point expected)");
      }
      row.point = *p.expected_rating;
    } else {
      row.point = row.predicted;
    }
    return row;
  }
  switch (policy.kind()) {
    case UnparsedPolicy::Kind::Exclude:
      return std::nullopt;
    case UnparsedPolicy::Kind::Wrong:
      row.predicted = wrong_rating(p.true_rating);
      break;
    case UnparsedPolicy::Kind::Fallback:
      row.predicted = policy.fallback_rating();
      break;
  }
  row.point = row.predicted;
  return row;
}

ScoredSet score_predictions(const std::vector<Prediction>& predictions,
                            const UnparsedPolicy& policy, PointSource point) {
  ScoredSet set;
  set.total = predictions.size();
  for (const auto& p : predictions) {
    if (!p.rating) ++set.unparsed;
    if (auto row = score_row(p, policy, point)) {
      set.rows.push_back(std::move(*row));
      set.example_ids.push_back(p.example_id);
    }
  }
  return set;
}

}  // namespace reasonrec::eval
