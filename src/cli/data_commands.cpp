#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "data/dataset.hpp"
#include "data/stats.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct StatsArgs {
  std::vector<std::string> files;
  int min_history = 4;
  bool skip_bad = false;
  std::size_t max_record_mib = 64;
  bool json = false;
};

void run_stats(const StatsArgs& args) {
  std::vector<std::string> reviews, meta;
  data::classify_files(args.files, reviews, meta);
  data::LoadOptions load;
  load.bad_input.skip = args.skip_bad;
  load.bad_input.max_record_bytes = args.max_record_mib << 20;
  const data::Dataset dataset = data::load_dataset(reviews, meta, load);
  const auto stats = data::dataset_stats(dataset, args.min_history);
  if (args.json) {
    std::cout << stats.dump(2) << "\n";
  } else {
    std::cout << data::format_stats(stats);
  }
}

}  // namespace

void add_data_commands(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Inspect and fetch review data sets");
  data->require_subcommand(1);

  auto stats_args = std::make_shared<StatsArgs>();
  auto* stats = data->add_subcommand(
      "stats", "Print users, items, reviews, rating and history histograms, metadata coverage");
  stats
      ->add_option("files", stats_args->files,
                   "Review and/or metadata files (.json, .jsonl, .csv, .item; plain, .gz or .zst)")
      ->required()
      ->check(InputFile());
  stats
      ->add_option("--min-history", stats_args->min_history,
                   "Earlier reviews a target needs, for the candidate count")
      ->capture_default_str();
  stats->add_flag("--skip-bad", stats_args->skip_bad,
                  "Skip and count bad records instead of stopping");
  stats
      ->add_option("--max-record-mib", stats_args->max_record_mib,
                   "Longest record (line) read, in MiB; longer ones are bad input")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  stats->add_flag("--json", stats_args->json, "Print JSON instead of text");
  stats->callback([stats_args] { run_stats(*stats_args); });

  add_fetch_command(*data);
}

}  // namespace reasonrec::cli
