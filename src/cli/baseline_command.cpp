#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "baselines/example_baselines.hpp"
#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct BaselineArgs {
  std::string method = "mf";
  std::string examples;
  std::string out;
  std::string ratings;
  double test_fraction = 0.2;
  baselines::BaselineOptions options;
};

void run_baseline(BaselineArgs& args) {
  if (!args.ratings.empty()) {
    const auto bench =
        baselines::benchmark_on_ratings(args.ratings, args.test_fraction, args.options.mf);
    std::cout << fmt::format("{}: {} ratings, seeded split (seed {}): {} train, {} test\n\n",
                             args.ratings, bench.ratings, args.options.mf.seed, bench.train,
                             bench.test);
    std::cout << "| Method | RMSE |\n|---|---|\n";
    for (const auto& [name, rmse] : bench.rmse)
      std::cout << fmt::format("| {} | {:.4f} |\n", name, rmse);
    return;
  }
  if (args.examples.empty() || args.out.empty()) {
    throw UsageError("baseline needs --examples and --out (or --ratings for a ratings table)");
  }
  args.options.method = baselines::parse_baseline_method(args.method);
  const std::size_t written = baselines::run_baseline_job(args.examples, args.out, args.options);
  std::cerr << fmt::format("baseline {}: wrote {} predictions ({} split) to {}\n",
                           baselines::baseline_model_name(args.options.method), written,
                           args.options.split, args.out);
}

}  // namespace

void add_baseline_command(CLI::App& app) {
  auto args = std::make_shared<BaselineArgs>();
  auto* cmd = app.add_subcommand(
      "baseline",
      "Collaborative-filtering baselines (global mean, user average, item average, biased "
      "matrix factorisation): predictions.jsonl for examples, or RMSE on a ratings table");
  auto* method =
      cmd->add_option("--method", args->method,
                      "global, user (mean of the example's history ratings), item, or mf")
          ->capture_default_str();
  auto* examples =
      cmd->add_option("--examples", args->examples, "examples.jsonl to fit on and predict")
          ->check(InputFile());
  auto* out =
      cmd->add_option("--out", args->out, "Predictions file to write (predictions.jsonl schema)");
  auto* split =
      cmd->add_option("--split", args->options.split, "Examples to predict: test, train or all")
          ->capture_default_str();
  cmd->add_option("--ratings", args->ratings,
                  "Instead of examples: a ratings CSV (e.g. MovieLens ratings.csv); prints the "
                  "test RMSE of every method on a seeded split (not with --method, --examples, "
                  "--out or --split)")
      ->check(InputFile())
      ->excludes(method)
      ->excludes(examples)
      ->excludes(out)
      ->excludes(split);
  cmd->add_option("--test-fraction", args->test_fraction, "Test share of --ratings")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  auto& mf = args->options.mf;
  cmd->add_option("--factors", mf.factors, "MF latent factors")->capture_default_str();
  cmd->add_option("--epochs", mf.epochs, "MF SGD epochs")->capture_default_str();
  cmd->add_option("--lr", mf.learning_rate, "MF learning rate")->capture_default_str();
  cmd->add_option("--reg", mf.regularization, "MF L2 regularisation")->capture_default_str();
  cmd->add_option("--seed", mf.seed, "Seed of MF and of the --ratings split")
      ->capture_default_str();
  cmd->callback([args] { run_baseline(*args); });
}

}  // namespace reasonrec::cli
