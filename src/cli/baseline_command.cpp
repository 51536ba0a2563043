#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "baselines/example_baselines.hpp"
#include "baselines/matrix_factorization.hpp"
#include "baselines/mean_baselines.hpp"
#include "baselines/ratings_table.hpp"
#include "cli/commands.hpp"
#include "data/example_io.hpp"
#include "eval/prediction.hpp"
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

// Ratings-table mode: a seeded split, every method fitted on train, RMSE on test.
void run_on_ratings(const BaselineArgs& args) {
  const auto ratings = baselines::read_ratings_csv(args.ratings);
  const auto split = baselines::split_ratings(ratings, args.test_fraction, args.options.mf.seed);
  if (split.train.empty() || split.test.empty()) {
    throw UsageError("--test-fraction leaves train or test empty");
  }
  baselines::GlobalMean global;
  baselines::KeyMean user(baselines::KeyMean::Key::User);
  baselines::KeyMean item(baselines::KeyMean::Key::Item);
  baselines::BiasedMf mf(args.options.mf);
  std::cout << fmt::format("{}: {} ratings, seeded split (seed {}): {} train, {} test\n\n",
                           args.ratings, ratings.size(), args.options.mf.seed, split.train.size(),
                           split.test.size());
  std::cout << "| Method | RMSE |\n|---|---|\n";
  for (baselines::RatingModel* model :
       std::vector<baselines::RatingModel*>{&global, &user, &item, &mf}) {
    model->fit(split.train);
    std::cout << fmt::format("| {} | {:.4f} |\n", model->name(),
                             baselines::rmse(*model, split.test));
  }
}

void run_baseline(BaselineArgs& args) {
  if (!args.ratings.empty()) {
    run_on_ratings(args);
    return;
  }
  if (args.examples.empty() || args.out.empty()) {
    throw UsageError("baseline needs --examples and --out (or --ratings for a ratings table)");
  }
  args.options.method = baselines::parse_baseline_method(args.method);
  const auto examples = data::read_examples(args.examples);
  const auto predictions = baselines::predict_baseline(examples, args.options);
  eval::write_predictions(args.out, predictions);
  std::cerr << fmt::format("baseline {}: wrote {} predictions ({} split) to {}\n",
                           baselines::baseline_model_name(args.options.method), predictions.size(),
                           args.options.split, args.out);
}

}  // namespace

void add_baseline_command(CLI::App& app) {
  auto args = std::make_shared<BaselineArgs>();
  auto* cmd = app.add_subcommand(
      "baseline",
      "Collaborative-filtering baselines (global mean, user average, item average, biased "
      "matrix factorisation): predictions.jsonl for examples, or RMSE on a ratings table");
  cmd->add_option("--method", args->method,
                  "global, user (mean of the example's history ratings), item, or mf")
      ->capture_default_str();
  cmd->add_option("--examples", args->examples, "examples.jsonl to fit on and predict")
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", args->out, "Predictions file to write (predictions.jsonl schema)");
  cmd->add_option("--split", args->options.split, "Examples to predict: test, train or all")
      ->capture_default_str();
  cmd->add_option("--ratings", args->ratings,
                  "Instead of examples: a ratings CSV (e.g. MovieLens ratings.csv); prints the "
                  "test RMSE of every method on a seeded split")
      ->check(CLI::ExistingFile);
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
