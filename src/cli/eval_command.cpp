#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "eval/prediction.hpp"
#include "eval/rating_pairing.hpp"
#include "eval/rating_policy.hpp"
#include "eval/rating_report.hpp"
#include "eval/stats_bootstrap.hpp"
#include "eval/stats_paired.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct EvalArgs {
  std::string predictions;
  std::string compare;
  std::string unparsed = "exclude";
  std::string point = "rating";
  std::size_t bootstrap = 0;
  std::size_t permutations = 1000;
  std::uint64_t seed = 0;
  double confidence = 0.95;
  std::optional<int> sample;
  std::string domain;
  std::string label;
  std::string compare_label;
  int digits = 3;
  bool json = false;
};

// "mode (model)" when the whole file shares them, else the file name.
std::string default_label(const std::vector<eval::Prediction>& predictions,
                          const std::string& path) {
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

std::vector<eval::Prediction> load(const std::string& path, const std::optional<int>& sample) {
  auto predictions = eval::read_predictions(path);
  if (sample) {
    std::erase_if(predictions, [&](const eval::Prediction& p) { return p.sample != *sample; });
  }
  if (predictions.empty()) {
    throw InputError(path, 0,
                     sample ? "no predictions with sample index " + std::to_string(*sample)
                            : std::string("no predictions"));
  }
  return predictions;
}

eval::MethodResult evaluate_file(const std::vector<eval::Prediction>& predictions,
                                 const std::string& path, const std::string& label,
                                 const eval::EvalReport& report) {
  const auto scored = eval::score_predictions(predictions, report.policy, report.point);
  eval::MethodResult method;
  method.label = label.empty() ? default_label(predictions, path) : label;
  method.source = path;
  method.total = scored.total;
  method.unparsed = scored.unparsed;
  if (scored.rows.empty()) {
    throw Error(path + ": all " + std::to_string(scored.total) +
                " predictions are unparsed; nothing to score under --unparsed exclude (try "
                "--unparsed wrong or fallback:N)");
  }
  const eval::RatingTable table(scored.rows);
  method.metrics = table.evaluate();
  if (report.bootstrap_resamples > 0) {
    method.intervals = eval::bootstrap_intervals(
        table, {report.bootstrap_resamples, report.seed, report.confidence});
  }
  return method;
}

void run_eval(const EvalArgs& args) {
  eval::EvalReport report;
  report.domain = args.domain;
  report.policy = eval::UnparsedPolicy::parse(args.unparsed);
  report.point = eval::parse_point_source(args.point);
  report.bootstrap_resamples = args.bootstrap;
  report.seed = args.seed;
  report.confidence = args.confidence;
  if (!(args.confidence > 0.0 && args.confidence < 1.0)) {
    throw UsageError("--confidence must lie strictly between 0 and 1");
  }

  const auto a = load(args.predictions, args.sample);
  report.methods.push_back(evaluate_file(a, args.predictions, args.label, report));
  if (!args.compare.empty()) {
    const auto b = load(args.compare, args.sample);
    report.methods.push_back(evaluate_file(b, args.compare, args.compare_label, report));
    const auto paired = eval::pair_by_example(a, b, report.policy, report.point);
    if (paired.a.empty()) {
      throw Error("no example is scored in both " + args.predictions + " and " + args.compare);
    }
    eval::ComparisonResult comparison;
    comparison.only_in_a = paired.only_in_a;
    comparison.only_in_b = paired.only_in_b;
    comparison.excluded_unparsed = paired.excluded_unparsed;
    comparison.bootstrap_resamples = args.bootstrap;
    comparison.permutations = args.permutations;
    comparison.paired = eval::compare_paired(
        paired.a, paired.b, {args.bootstrap, args.permutations, args.seed, args.confidence});
    report.comparison = std::move(comparison);
  }
  if (args.json) {
    std::cout << eval::report_to_json(report).dump(2) << "\n";
  } else {
    std::cout << eval::render_markdown(report, args.digits);
  }
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Rating metrics of a predictions.jsonl (binary/5-class accuracy, F1, macro-F1, MAE, RMSE, "
      "AUC, confusion matrix) in the layout of the paper's Table 3, with bootstrap intervals and "
      "a paired test against a second file");
  cmd->add_option("--predictions", args->predictions, "Predictions file (predictions.jsonl)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--compare", args->compare,
                  "A second predictions file: both are reported and compared example by example")
      ->check(CLI::ExistingFile);
  cmd->add_option("--unparsed", args->unparsed,
                  "Unparsed predictions: exclude (report them), wrong (score as the worst wrong "
                  "rating) or fallback:N (score as rating N)")
      ->capture_default_str();
  cmd->add_option("--point", args->point,
                  "What MAE/RMSE measure: rating (the predicted class) or expected "
                  "(expected_rating, e.g. a baseline's raw score)")
      ->capture_default_str();
  cmd->add_option("--bootstrap", args->bootstrap,
                  "Bootstrap resamples for confidence intervals (0: none)")
      ->capture_default_str();
  cmd->add_option("--permutations", args->permutations,
                  "Permutations of the paired permutation test (with --compare; 0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the bootstrap and the permutations")
      ->capture_default_str();
  cmd->add_option("--confidence", args->confidence, "Confidence level of the intervals")
      ->capture_default_str();
  cmd->add_option("--sample", args->sample,
                  "Only predictions with this sample index (files with several samples per "
                  "example)");
  cmd->add_option("--domain", args->domain, "Text of the Domain column, e.g. BEAUTY");
  cmd->add_option("--label", args->label, "Method name of --predictions (default: mode (model))");
  cmd->add_option("--compare-label", args->compare_label, "Method name of --compare");
  cmd->add_option("--digits", args->digits, "Decimals in the markdown table")
      ->capture_default_str()
      ->check(CLI::Range(0, 12));
  cmd->add_flag("--json", args->json, "Print JSON instead of markdown");
  cmd->callback([args] { run_eval(*args); });
}

}  // namespace reasonrec::cli
