#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace reasonrec::cli {

// Each subcommand registers itself on the app and returns nothing; its callback throws
// reasonrec::Error (exit 1) or reasonrec::UsageError (exit 2) on failure.
void add_data_commands(CLI::App& app);
// `data fetch`, registered on the `data` subcommand by add_data_commands.
void add_fetch_command(CLI::App& data_cmd);
void add_prepare_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_baseline_command(CLI::App& app);
void add_prompt_command(CLI::App& app);
void add_score_command(CLI::App& app);
void add_predict_command(CLI::App& app);
// `recsaver references|verify|score|rules` (torch-free; BERTScore and --model DIR need the engine).
void add_recsaver_command(CLI::App& app);
// `convert llama2c` (torch-free).
void add_convert_command(CLI::App& app);
// `align`: human agreement and metric-human alignment (docs/align.md).
void add_align_command(CLI::App& app);
// `report`: the HTML + markdown report of a run directory (docs/report.md).
void add_report_command(CLI::App& app);
// `annotate create|serve|export`: the human rating app (docs/annotate.md).
void add_annotate_command(CLI::App& app);
// `distil`: a teacher's reasoning paths as training data (torch-free, docs/training.md).
void add_distil_command(CLI::App& app);
// `generate` with the in-process engine; only built with REASONREC_TORCH.
void add_generate_command(CLI::App& app);
// `train`: fine-tunes a student on libtorch; only built with REASONREC_TORCH.
void add_train_command(CLI::App& app);
// `merge`: a LoRA adapter folded into its base model; only built with REASONREC_TORCH.
void add_merge_command(CLI::App& app);
// `serve`: OpenAI-compatible server over the engine; only built with REASONREC_TORCH.
void add_serve_command(CLI::App& app);

}  // namespace reasonrec::cli
