#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "eval/align.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct AlignArgs {
  eval::AlignRequest request;
  std::string criteria = "coherence,faithful,insightfulness";
  std::string out;
  int digits = 3;
  bool json = false;
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

void check_scores(const std::vector<std::string>& specs, const std::string& option) {
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    require_input_file(eq == std::string::npos ? spec : spec.substr(eq + 1), option);
  }
}

}  // namespace

void add_align_command(CLI::App& app) {
  auto args = std::make_shared<AlignArgs>();
  auto* cmd = app.add_subcommand(
      "align",
      "Human alignment (the paper's Tables 6-9 and 13): agreement among raters per criterion "
      "(quadratic-weighted Cohen's kappa and Pearson, mean over rater pairs; Krippendorff's "
      "alpha, interval and ordinal; bootstrap intervals over items), the correlation of each "
      "automatic reasoning score with the mean human score, and faithful vs unfaithful "
      "reasoning (docs/align.md)");
  cmd->add_option("--judgments", args->request.judgments,
                  "judgments.jsonl: one line per item x rater (annotate export)")
      ->required();
  cmd->add_option("--scores", args->request.scores,
                  "Per-prediction scores against verified references (recsaver score --out): "
                  "PATH, or METHOD=PATH when the judgments compare several methods")
      ->expected(1, -1);
  cmd->add_option("--unverified-scores", args->request.unverified_scores,
                  "The same scored with recsaver score --unverified (side by side)")
      ->expected(1, -1);
  cmd->add_option("--criteria", args->criteria,
                  "Comma-separated judgment fields to analyse (numbers; booleans as 1/0)")
      ->capture_default_str();
  cmd->add_option("--faithful", args->request.faithful_criterion,
                  "The boolean criterion that splits items into faithful (rater majority) and "
                  "unfaithful; empty: no split")
      ->capture_default_str();
  cmd->add_option("--bootstrap", args->request.bootstrap,
                  "Bootstrap resamples (of items) for the agreement intervals (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", args->request.seed, "Seed of the bootstrap")->capture_default_str();
  cmd->add_option("--confidence", args->request.confidence, "Confidence level of the intervals")
      ->capture_default_str()
      ->check(CLI::Range(0.5, 0.9999));
  cmd->add_option("--digits", args->digits, "Decimals in the markdown tables")
      ->capture_default_str()
      ->check(CLI::Range(0, 12));
  cmd->add_option("--out", args->out, "Also write the JSON result to this file (e.g. align.json)");
  cmd->add_flag("--json", args->json, "Print JSON instead of markdown");
  cmd->callback([args] {
    args->request.criteria = split_list(args->criteria);
    if (args->request.criteria.empty()) throw UsageError("--criteria: no criterion given");
    require_input_file(args->request.judgments, "--judgments");
    check_scores(args->request.scores, "--scores");
    check_scores(args->request.unverified_scores, "--unverified-scores");
    const auto result = eval::run_align(args->request);
    if (!args->out.empty()) write_file_atomically(args->out, result.dump(2) + "\n");
    if (args->json) {
      std::cout << result.dump(2) << "\n";
    } else {
      std::cout << eval::format_align(result, args->digits);
    }
  });
}

}  // namespace reasonrec::cli
