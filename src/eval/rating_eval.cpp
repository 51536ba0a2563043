#include "eval/rating_eval.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "eval/rating_pairing.hpp"
#include "eval/stats_bootstrap.hpp"
#include "eval/stats_paired.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

// "mode (model)" when the whole file shares them, else the file name.
std::string default_label(const std::vector<Prediction>& predictions, const std::string& path) {
  if (!predictions.empty()) {
    const auto& first = predictions.front();
    bool shared = true;
    for (const auto& p : predictions) {
      shared &= p.mode == first.mode && p.model == first.model;
    }
    if (shared && !first.mode.empty()) {
      return first.model.empty() ? first.mode : first.mode + " (" + first.model + ")";
    }
  }
  return std::filesystem::path(path).stem().string();
}

MethodResult score_method(const SelectedPredictions& selected, const EvalInput& input,
                          const EvalRequest& request) {
  const auto scored = score_predictions(selected.predictions, request.policy, request.point);
  MethodResult method;
  method.label =
      input.label.empty() ? default_label(selected.predictions, input.path) : input.label;
  method.source = input.path;
  method.lines = selected.lines;
  method.other_splits = selected.other_splits;
  method.selection = selected.selection;
  method.total = scored.total;
  method.unparsed = scored.unparsed;
  if (scored.rows.empty()) {
    throw Error(input.path + ": all " + std::to_string(scored.total) +
                " predictions are unparsed; nothing to score under --unparsed exclude (try "
                "--unparsed wrong or fallback:N)");
  }
  const RatingTable table(scored.rows);
  method.metrics = table.evaluate();
  if (request.bootstrap_resamples > 0) {
    method.intervals =
        bootstrap_intervals(table, {request.bootstrap_resamples, request.seed, request.confidence});
  }
  return method;
}

std::size_t resolve_reference(const EvalRequest& request, const std::vector<MethodResult>& rows) {
  const std::string& name = request.reference;
  if (name.empty()) return 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i].label == name || rows[i].source == name) return i;
  }
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos &&
      name.size() < 6) {
    const std::size_t row = std::stoul(name);
    if (row >= 1 && row <= rows.size()) return row - 1;
  }
  std::string known;
  for (const auto& row : rows) known += (known.empty() ? "" : ", ") + ("'" + row.label + "'");
  throw UsageError(
      fmt::format("--reference '{}' is no row's label, file or number 1..{} (labels: {})", name,
                  rows.size(), known));
}

}  // namespace

EvalReport evaluate_prediction_files(const EvalRequest& request) {
  if (request.inputs.empty()) throw UsageError("eval needs at least one predictions file");
  if (!(request.confidence > 0.0 && request.confidence < 1.0)) {
    throw UsageError("--confidence must lie strictly between 0 and 1");
  }
  EvalReport report;
  report.domain = request.domain;
  report.split = request.split.split;
  report.policy = request.policy;
  report.point = request.point;
  report.bootstrap_resamples = request.bootstrap_resamples;
  report.seed = request.seed;
  report.confidence = request.confidence;

  std::vector<SelectedPredictions> selected;
  for (const auto& input : request.inputs) {
    selected.push_back(select_per_example(read_predictions(input.path), input.path, request.split,
                                          request.selection));
    report.methods.push_back(score_method(selected.back(), input, request));
  }
  if (report.methods.size() < 2) return report;

  const std::size_t reference = resolve_reference(request, report.methods);
  for (std::size_t i = 0; i < report.methods.size(); ++i) {
    if (i == reference) continue;
    const auto paired = pair_by_example(selected[i].predictions, selected[reference].predictions,
                                        request.policy, request.point);
    if (paired.a.empty()) {
      throw Error("no example is scored in both " + request.inputs[i].path + " and " +
                  request.inputs[reference].path);
    }
    ComparisonResult comparison;
    comparison.method = i;
    comparison.reference = reference;
    comparison.only_in_a = paired.only_in_a;
    comparison.only_in_b = paired.only_in_b;
    comparison.excluded_unparsed = paired.excluded_unparsed;
    comparison.bootstrap_resamples = request.bootstrap_resamples;
    comparison.permutations = request.permutations;
    comparison.paired = compare_paired(
        paired.a, paired.b,
        {request.bootstrap_resamples, request.permutations, request.seed, request.confidence});
    report.comparisons.push_back(std::move(comparison));
  }
  return report;
}

}  // namespace reasonrec::eval
