#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "train/distil.hpp"

namespace reasonrec::cli {

namespace {

struct DistilArgs {
  std::string examples;
  std::string teacher;
  std::string verification;
  std::string out;
  std::string filter = "none";
  std::string target = "reasoning";
  std::string mode;
  std::string ablation = "none";
  std::size_t shots = 0;
  std::uint64_t shot_seed = 0;
  std::string domain = "beauty";
  std::string template_file;
  std::size_t budget = 0;
  std::string split = "train";
  bool skip_missing = false;
  CLI::Option* shots_opt = nullptr;  // --shots given or not, as predict tells them apart
};

void run_distil_command(const DistilArgs& a) {
  train::DistilOptions o;
  o.examples = a.examples;
  o.teacher = a.teacher;
  o.verification = a.verification;
  o.out = a.out;
  o.filter = train::parse_distil_filter(a.filter);
  o.target = train::parse_distil_target(a.target);
  o.mode = a.mode;
  o.ablation = a.ablation;
  if (a.shots_opt->count() > 0) o.shots = a.shots;
  o.shot_seed = a.shot_seed;
  o.domain = a.domain;
  o.template_file = a.template_file;
  o.budget = a.budget;
  o.split = a.split;
  o.skip_missing = a.skip_missing;
  const train::DistilResult result = train::run_distil(o);
  std::cout << train::format_summary(result.summary) << "summary: " << result.summary_path.string()
            << "\n";
}

}  // namespace

void add_distil_command(CLI::App& app) {
  auto a = std::make_shared<DistilArgs>();
  auto* cmd = app.add_subcommand(
      "distil",
      "Distillation data: a teacher's sampled reasoning on train examples, filtered, as "
      "sft.jsonl (student prompt + teacher reasoning + TRUE rating) for `reasonrec train` "
      "(docs/training.md)");
  cmd->add_option("--examples", a->examples, "examples.jsonl (from `reasonrec prepare`)")
      ->required()
      ->check(InputFile());
  cmd->add_option("--teacher", a->teacher,
                  "The teacher's predictions.jsonl (predict --split train --samples M "
                  "--temperature T)")
      ->required()
      ->check(InputFile());
  cmd->add_option("--out", a->out, "sft.jsonl to write (summary: NAME.summary.json beside it)")
      ->required();
  cmd->add_option("--filter", a->filter,
                  "none, 5class (teacher = truth), binary ((teacher>3) = (truth>3)), 1off "
                  "(|teacher-truth| <= 1) or verified (needs --verification)")
      ->capture_default_str();
  cmd->add_option("--target", a->target,
                  "reasoning (teacher reasoning + true rating) or rating-only (true rating)")
      ->capture_default_str();
  cmd->add_option("--verification", a->verification,
                  "`reasonrec recsaver verify` output over the teacher file (for --filter "
                  "verified; also counted in the summary otherwise)")
      ->check(InputFile());
  cmd->add_option("--split", a->split,
                  "Split the teacher's examples must be in: train, test or all")
      ->capture_default_str();
  cmd->add_flag("--skip-missing", a->skip_missing,
                "Skip (and count) teacher samples of examples not in --examples instead of "
                "failing");
  cmd->add_option("--mode", a->mode,
                  "Student prompt, as predict's --mode (default: cot for --target reasoning, "
                  "direct for rating-only)");
  cmd->add_option("--ablation", a->ablation, "Student prompt ablation, as predict's")
      ->capture_default_str();
  a->shots_opt = cmd->add_option("--shots", a->shots, "Worked examples in the student prompt");
  cmd->add_option("--shot-seed", a->shot_seed, "Seed of the worked-example draw")
      ->capture_default_str();
  cmd->add_option("--domain", a->domain, "beauty / product or movies (prompt wording)")
      ->capture_default_str();
  cmd->add_option("--template", a->template_file,
                  "Template file instead of the built-in one (its answer section is the "
                  "target's format)")
      ->check(InputFile());
  cmd->add_option("--budget", a->budget, "Prompt token budget (estimated, as predict); 0 = none")
      ->capture_default_str();
  cmd->callback([a] { run_distil_command(*a); });
}

}  // namespace reasonrec::cli
