#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "data/prepare.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

void add_prepare_command(CLI::App& app) {
  auto options = std::make_shared<data::PrepareOptions>();
  auto quiet = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "prepare",
      "Build examples.jsonl (balanced, user-disjoint train/test targets with their histories) "
      "and prepare.json from Amazon review and metadata files");
  cmd->add_option("--reviews", options->review_files,
                  "Review files: Amazon 2014/2018/2023 JSON lines or 2023 rating CSV "
                  "(plain, .gz or .zst; detected from content)")
      ->required()
      ->check(InputFile());
  cmd->add_option("--meta", options->meta_files,
                  "Metadata files: 2018/2023 JSON lines, 2014 Python-literal lines, RecBole .item")
      ->check(InputFile());
  cmd->add_option("--out", options->out_dir, "Output directory")->required();
  auto& s = options->sampling;
  cmd->add_option("--min-history", s.min_history, "Earlier reviews a target needs")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-history", s.max_history, "Most recent earlier reviews kept as history")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--train-per-rating", s.train_per_rating, "Train examples per rating 1..5")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--test-per-rating", s.test_per_rating, "Test examples per rating 1..5")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-targets-per-user", s.max_targets_per_user,
                  "Targets one user may give to one split")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--seed", s.seed, "Seed of the user shuffle and target choice")
      ->capture_default_str();
  cmd->add_flag("--skip-bad", options->load.bad_input.skip,
                "Skip and count bad records instead of stopping at the first");
  auto max_record_mib = std::make_shared<std::size_t>(64);
  cmd->add_option("--max-record-mib", *max_record_mib,
                  "Longest record (line) read, in MiB; longer ones are bad input")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->add_flag("--quiet", *quiet, "Print nothing but errors");
  cmd->callback([options, quiet, max_record_mib] {
    if (*quiet) options->load.progress = ProgressMode::Silent;
    options->load.bad_input.max_record_bytes = *max_record_mib << 20;
    const data::PrepareResult result = data::prepare(*options);
    if (!*quiet) {
      std::cout << data::format_prepare_report(result.summary);
      std::cout << "wrote " << options->out_dir << "/examples.jsonl ("
                << result.sampling.examples.size() << " examples) and " << options->out_dir
                << "/prepare.json\n";
    }
  });
}

}  // namespace reasonrec::cli
