#include <iostream>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "eval/rating_eval.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct EvalArgs {
  std::vector<std::string> predictions;
  std::vector<std::string> labels;
  std::string compare;
  std::string compare_label;
  std::string reference;
  std::string split = "test";
  std::string aggregate = "first";
  std::optional<int> sample;
  std::string unparsed = "exclude";
  std::string point = "rating";
  std::size_t bootstrap = 0;
  std::size_t permutations = 1000;
  std::uint64_t seed = 0;
  double confidence = 0.95;
  std::string domain;
  int digits = 3;
  bool json = false;
};

eval::EvalRequest to_request(const EvalArgs& args) {
  eval::EvalRequest request;
  std::vector<std::string> paths = args.predictions;
  std::vector<std::string> labels = args.labels;
  if (!args.compare.empty()) {
    labels.resize(paths.size());
    paths.push_back(args.compare);
    labels.push_back(args.compare_label);
  }
  if (labels.size() > paths.size()) {
    throw UsageError("more --label values than predictions files");
  }
  for (std::size_t i = 0; i < paths.size(); ++i) {
    require_input_file(paths[i], "--predictions");
    request.inputs.push_back({paths[i], i < labels.size() ? labels[i] : std::string()});
  }
  request.domain = args.domain;
  request.split.split = args.split;
  request.selection.sample = args.sample;
  request.selection.aggregate = eval::parse_aggregate(args.aggregate);
  request.policy = eval::UnparsedPolicy::parse(args.unparsed);
  request.point = eval::parse_point_source(args.point);
  request.bootstrap_resamples = args.bootstrap;
  request.permutations = args.permutations;
  request.seed = args.seed;
  request.confidence = args.confidence;
  request.reference = args.reference;
  return request;
}

}  // namespace

void add_eval_command(CLI::App& app) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Rating metrics of one or more predictions files (binary/5-class accuracy, F1, macro-F1, "
      "MAE, RMSE, AUC, confusion matrix) in the layout of the paper's Table 3: one row per "
      "file, bootstrap intervals over examples, and each row's paired test against a reference "
      "row");
  cmd->add_option("--predictions", args->predictions,
                  "Predictions files (predictions.jsonl); one table row each, in order")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--label", args->labels,
                  "Method names of the rows, in the order of --predictions (default: mode "
                  "(model))")
      ->expected(1, -1);
  cmd->add_option("--reference", args->reference,
                  "Row every other row is tested against: a label, a file or a row number "
                  "(default: the first)");
  cmd->add_option("--compare", args->compare, "One more predictions file (a last row)");
  cmd->add_option("--compare-label", args->compare_label, "Method name of --compare");
  cmd->add_option("--split", args->split,
                  "Examples to score: test, train, or all (mixing splits on purpose)")
      ->capture_default_str();
  cmd->add_option("--aggregate", args->aggregate,
                  "Several samples per example become one row: first (lowest sample index), "
                  "majority (self-consistency vote) or mean-expected")
      ->capture_default_str();
  cmd->add_option("--sample", args->sample,
                  "Score only this sample index (instead of --aggregate)");
  cmd->add_option("--unparsed", args->unparsed,
                  "Unparsed predictions: exclude (report them), wrong (score as the worst wrong "
                  "rating) or fallback:N (score as rating N)")
      ->capture_default_str();
  cmd->add_option("--point", args->point,
                  "What MAE/RMSE measure: rating (the predicted class) or expected "
                  "(expected_rating, e.g. a baseline's raw score)")
      ->capture_default_str();
  cmd->add_option("--bootstrap", args->bootstrap,
                  "Bootstrap resamples (of examples) for confidence intervals (0: none)")
      ->capture_default_str();
  cmd->add_option("--permutations", args->permutations,
                  "Permutations of the paired permutation test (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Seed of the bootstrap and the permutations")
      ->capture_default_str();
  cmd->add_option("--confidence", args->confidence, "Confidence level of the intervals")
      ->capture_default_str();
  cmd->add_option("--domain", args->domain, "Text of the Domain column, e.g. BEAUTY");
  cmd->add_option("--digits", args->digits, "Decimals in the markdown table")
      ->capture_default_str()
      ->check(CLI::Range(0, 12));
  cmd->add_flag("--json", args->json, "Print JSON instead of markdown");
  cmd->callback([args] {
    const auto report = eval::evaluate_prediction_files(to_request(*args));
    if (args->json) {
      std::cout << eval::report_to_json(report).dump(2) << "\n";
    } else {
      std::cout << eval::render_markdown(report, args->digits);
    }
  });
}

}  // namespace reasonrec::cli
