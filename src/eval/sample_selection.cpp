#include "eval/sample_selection.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

// Expected rating of one parsed sample: its own continuous score, else the expectation under
// its class probabilities, else the class itself.
double expected_of(const Prediction& p) {
  if (p.expected_rating) return *p.expected_rating;
  if (p.probabilities) {
    double e = 0;
    for (int r = 1; r <= 5; ++r) e += r * (*p.probabilities)[static_cast<std::size_t>(r - 1)];
    return e;
  }
  return *p.rating;
}

std::string splits_held(const std::map<std::string, std::size_t>& counts) {
  std::string text;
  for (const auto& [split, n] : counts) {
    if (!text.empty()) text += ", ";
    text += fmt::format("{} {}", n, split.empty() ? "(no split)" : split);
  }
  return text;
}

}  // namespace

Aggregate parse_aggregate(std::string_view text) {
  if (text == "first") return Aggregate::First;
  if (text == "majority") return Aggregate::Majority;
  if (text == "mean-expected") return Aggregate::MeanExpected;
  throw UsageError("--aggregate must be first, majority or mean-expected, not '" +
                   std::string(text) + "'");
}

std::string aggregate_name(Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::First:
      return "first";
    case Aggregate::Majority:
      return "majority";
    case Aggregate::MeanExpected:
      return "mean-expected";
  }
  return "first";
}

Prediction aggregate_samples(const std::vector<const Prediction*>& samples, Aggregate aggregate) {
  if (samples.empty()) throw Error("aggregate_samples: no samples");
  const auto first_it = std::min_element(samples.begin(), samples.end(),
                                         [](auto* a, auto* b) { return a->sample < b->sample; });
  Prediction out = **first_it;
  if (aggregate == Aggregate::First) return out;

  std::vector<const Prediction*> parsed;
  for (const auto* p : samples) {
    if (p->rating) parsed.push_back(p);
  }
  out.seed.reset();
  out.parse_status = fmt::format("{} of {} samples ({} parsed)", aggregate_name(aggregate),
                                 samples.size(), parsed.size());
  out.expected_rating.reset();
  out.probabilities.reset();
  out.rating.reset();
  if (parsed.empty()) return out;

  double mean_rating = 0;
  for (const auto* p : parsed) mean_rating += *p->rating;
  mean_rating /= static_cast<double>(parsed.size());

  if (aggregate == Aggregate::Majority) {
    std::array<std::size_t, 5> votes{};
    for (const auto* p : parsed) ++votes[static_cast<std::size_t>(*p->rating - 1)];
    int best = 0;
    for (int r = 1; r <= 5; ++r) {
      const std::size_t v = votes[static_cast<std::size_t>(r - 1)];
      if (v == 0) continue;
      if (best == 0) {
        best = r;
        continue;
      }
      const std::size_t bv = votes[static_cast<std::size_t>(best - 1)];
      // Strictly nearer the mean wins a tie; at equal distance the lower rating (seen first) stays.
      if (v > bv || (v == bv && std::abs(r - mean_rating) < std::abs(best - mean_rating))) best = r;
    }
    out.rating = best;
    ClassProbabilities shares{};
    for (std::size_t c = 0; c < 5; ++c) {
      shares[c] = static_cast<double>(votes[c]) / static_cast<double>(parsed.size());
    }
    out.probabilities = shares;
    out.expected_rating = mean_rating;
    return out;
  }

  double mean_expected = 0;
  ClassProbabilities mean_probabilities{};
  for (const auto* p : parsed) {
    mean_expected += expected_of(*p);
    if (p->probabilities) {
      for (std::size_t c = 0; c < 5; ++c) mean_probabilities[c] += (*p->probabilities)[c];
    } else {
      mean_probabilities[static_cast<std::size_t>(*p->rating - 1)] += 1.0;
    }
  }
  const double n = static_cast<double>(parsed.size());
  mean_expected /= n;
  for (auto& x : mean_probabilities) x /= n;
  out.expected_rating = mean_expected;
  out.rating = std::clamp(static_cast<int>(std::floor(mean_expected + 0.5)), 1, 5);
  out.probabilities = mean_probabilities;
  return out;
}

SelectedPredictions select_per_example(const std::vector<Prediction>& predictions,
                                       const std::string& file, const SplitFilter& filter,
                                       const SampleSelection& selection) {
  if (filter.split != "test" && filter.split != "train" && filter.split != "all") {
    throw UsageError("--split must be test, train or all, not '" + filter.split + "'");
  }
  SelectedPredictions out;
  out.lines = predictions.size();

  std::map<std::string, std::size_t> by_split;
  std::vector<std::string> order;
  std::unordered_map<std::string, std::vector<const Prediction*>> samples;
  for (const auto& p : predictions) {
    ++by_split[p.split];
    if (filter.split != "all" && p.split != filter.split) {
      ++out.other_splits;
      continue;
    }
    auto& group = samples[p.example_id];
    if (group.empty()) order.push_back(p.example_id);
    for (const auto* q : group) {
      if (q->sample == p.sample) {
        throw InputError(file, 0,
                         fmt::format("example '{}' has two predictions with sample index {}",
                                     p.example_id, p.sample));
      }
    }
    group.push_back(&p);
  }
  if (order.empty()) {
    throw InputError(file, 0,
                     fmt::format("no predictions in the {} split (the file holds: {}); choose "
                                 "another with --split train|test|all",
                                 filter.split, splits_held(by_split)));
  }
  for (const auto& id : order) {
    out.samples_per_example = std::max(out.samples_per_example, samples[id].size());
  }

  if (selection.sample) {
    for (const auto& id : order) {
      for (const auto* p : samples[id]) {
        if (p->sample == *selection.sample) out.predictions.push_back(*p);
      }
    }
    if (out.predictions.empty()) {
      throw InputError(file, 0,
                       "no predictions with sample index " + std::to_string(*selection.sample));
    }
    out.selection = fmt::format("sample {} ({} of {} examples have it; at most {} samples each)",
                                *selection.sample, out.predictions.size(), order.size(),
                                out.samples_per_example);
    return out;
  }
  for (const auto& id : order) {
    out.predictions.push_back(aggregate_samples(samples[id], selection.aggregate));
  }
  if (out.samples_per_example == 1) {
    out.selection = "one sample per example";
  } else if (selection.aggregate == Aggregate::First) {
    out.selection = fmt::format(
        "the first sample of up to {} per example (--aggregate majority|mean-expected or "
        "--sample K to choose)",
        out.samples_per_example);
  } else {
    out.selection = fmt::format("{} of up to {} samples per example",
                                aggregate_name(selection.aggregate), out.samples_per_example);
  }
  return out;
}

}  // namespace reasonrec::eval
