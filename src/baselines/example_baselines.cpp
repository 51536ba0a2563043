#include "baselines/example_baselines.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "baselines/mean_baselines.hpp"
#include "data/example_io.hpp"
#include "util/error.hpp"

namespace reasonrec::baselines {

BaselineMethod parse_baseline_method(std::string_view text) {
  if (text == "global") return BaselineMethod::GlobalMean;
  if (text == "user") return BaselineMethod::UserAverage;
  if (text == "item") return BaselineMethod::ItemAverage;
  if (text == "mf") return BaselineMethod::Mf;
  throw UsageError("baseline method must be global, user, item or mf, got '" + std::string(text) +
                   "'");
}

std::string baseline_model_name(BaselineMethod method) {
  switch (method) {
    case BaselineMethod::GlobalMean:
      return "global-mean";
    case BaselineMethod::UserAverage:
      return "user-average";
    case BaselineMethod::ItemAverage:
      return "item-average";
    case BaselineMethod::Mf:
      return "mf";
  }
  return "mf";
}

std::vector<Rating> training_ratings(const std::vector<data::Example>& examples) {
  std::set<std::pair<std::string, std::string>> test_targets;
  for (const auto& e : examples) {
    if (e.split == "test") test_targets.emplace(e.user, e.target.meta.item);
  }
  std::set<std::tuple<std::string, std::string, std::int64_t>> seen;
  std::vector<Rating> ratings;
  auto add = [&](const std::string& user, const std::string& item, int rating, std::int64_t time) {
    if (test_targets.contains({user, item})) return;
    if (!seen.emplace(user, item, time).second) return;
    ratings.push_back({user, item, static_cast<double>(rating), time});
  };
  for (const auto& e : examples) {
    for (const auto& h : e.history) add(e.user, h.item.meta.item, h.rating, h.time);
    if (e.split == "train") add(e.user, e.target.meta.item, e.rating, e.time);
  }
  return ratings;
}

int round_to_class(double score) {
  const double clamped = std::clamp(score, 1.0, 5.0);
  return static_cast<int>(std::floor(clamped + 0.5));
}

namespace {

std::unique_ptr<RatingModel> make_model(const BaselineOptions& options) {
  switch (options.method) {
    case BaselineMethod::GlobalMean:
      return std::make_unique<GlobalMean>();
    case BaselineMethod::UserAverage:
      return std::make_unique<KeyMean>(KeyMean::Key::User);
    case BaselineMethod::ItemAverage:
      return std::make_unique<KeyMean>(KeyMean::Key::Item);
    case BaselineMethod::Mf:
      return std::make_unique<BiasedMf>(options.mf);
  }
  return nullptr;
}

bool wanted(const data::Example& e, const std::string& split) {
  return split == "all" || e.split == split;
}

}  // namespace

std::vector<eval::Prediction> predict_baseline(const std::vector<data::Example>& examples,
                                               const BaselineOptions& options) {
  if (options.split != "train" && options.split != "test" && options.split != "all") {
    throw UsageError("split must be train, test or all, got '" + options.split + "'");
  }
  const auto train = training_ratings(examples);
  if (train.empty())
    throw Error("no training ratings: the examples have no histories or train targets");
  // The paper's user average reads the example's own history (what the prompt shows); the fitted
  // models serve the other methods, and the global mean the user average of an empty history.
  GlobalMean global;
  global.fit(train);
  const auto model = make_model(options);
  if (options.method != BaselineMethod::UserAverage) model->fit(train);

  std::vector<eval::Prediction> predictions;
  for (const auto& e : examples) {
    if (!wanted(e, options.split)) continue;
    double score = 0.0;
    if (options.method == BaselineMethod::UserAverage) {
      if (e.history.empty()) {
        score = global.predict(e.user, e.target.meta.item);
      } else {
        double sum = 0.0;
        for (const auto& h : e.history) sum += h.rating;
        score = sum / static_cast<double>(e.history.size());
      }
    } else {
      score = model->predict(e.user, e.target.meta.item);
    }
    eval::Prediction p;
    p.example_id = e.id;
    p.split = e.split;
    p.mode = "baseline";
    p.model = baseline_model_name(options.method);
    p.backend = "reasonrec-baseline";
    p.sample = 0;
    if (options.method == BaselineMethod::Mf) p.seed = options.mf.seed;
    p.true_rating = e.rating;
    p.rating = round_to_class(score);
    p.parse_status = "numeric";
    p.raw = fmt::format("{}", score);
    p.expected_rating = std::clamp(score, 1.0, 5.0);
    predictions.push_back(std::move(p));
  }
  return predictions;
}

std::size_t run_baseline_job(const std::string& examples_path, const std::string& out_path,
                             const BaselineOptions& options) {
  const auto predictions = predict_baseline(data::read_examples(examples_path), options);
  eval::write_predictions(out_path, predictions);
  return predictions.size();
}

RatingsBenchmark benchmark_on_ratings(const std::string& csv_path, double test_fraction,
                                      const MfOptions& mf_options) {
  const auto ratings = read_ratings_csv(csv_path);
  const auto split = split_ratings(ratings, test_fraction, mf_options.seed);
  if (split.train.empty() || split.test.empty()) {
    throw UsageError("--test-fraction leaves train or test empty");
  }
  GlobalMean global;
  KeyMean user(KeyMean::Key::User);
  KeyMean item(KeyMean::Key::Item);
  BiasedMf mf(mf_options);
  RatingsBenchmark out;
  out.ratings = ratings.size();
  out.train = split.train.size();
  out.test = split.test.size();
  for (RatingModel* model : std::vector<RatingModel*>{&global, &user, &item, &mf}) {
    model->fit(split.train);
    out.rmse.emplace_back(model->name(), rmse(*model, split.test));
  }
  return out;
}

}  // namespace reasonrec::baselines
