#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "train/trainer.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct TrainArgs {
  train::TrainOptions options;
  std::string schedule = "constant";
  double dropout = 0.25;
  bool keep_dropout = false;
  std::string lora;
  std::vector<std::string> lora_targets;
};

void run_train_command(TrainArgs a) {
  a.options.schedule = train::parse_schedule(a.schedule);
  if (!a.lora.empty()) {
    a.options.lora = train::parse_lora(a.lora);
    if (!a.lora_targets.empty()) a.options.lora->targets = a.lora_targets;
  } else if (!a.lora_targets.empty()) {
    throw UsageError("--lora-targets needs --lora r,alpha,dropout");
  }
  if (a.keep_dropout) {
    a.options.dropout.reset();
  } else {
    a.options.dropout = a.dropout;
  }
  const train::TrainSummary s = train::run_training(a.options, std::cerr);
  if (!s.finished) {
    std::cout << fmt::format("paused at step {} of {}: {} (continue with --resume)\n", s.steps,
                             a.options.steps, s.out.string());
    return;
  }
  if (s.best_value) {
    std::cout << fmt::format("best {} {:.4f} at step {}{}: {}\n", a.options.eval_metric,
                             *s.best_value, s.best_step, s.stopped_early ? " (stopped early)" : "",
                             (s.out / "best").string());
  }
  if (a.options.lora) {
    std::cout << fmt::format(
        "trained {} steps on {} examples: final loss {:.4f}, {:.0f} tokens/s, {:.1f}s\n"
        "adapter: {} (adapter_config.json, adapter_model.safetensors; use with --adapter or "
        "reasonrec merge)\n",
        s.steps, s.examples, s.final_loss, s.tokens_per_second, s.seconds, s.out.string());
    return;
  }
  std::cout << fmt::format(
      "trained {} steps on {} examples: final loss {:.4f}, {:.0f} tokens/s, {:.1f}s\n"
      "model: {} (config.json, model.safetensors, tokenizer; train_log.jsonl, "
      "train_summary.json)\n",
      s.steps, s.examples, s.final_loss, s.tokens_per_second, s.seconds, s.out.string());
}

}  // namespace

void add_train_command(CLI::App& app) {
  auto a = std::make_shared<TrainArgs>();
  train::TrainOptions& o = a->options;
  auto* cmd = app.add_subcommand(
      "train",
      "Fine-tune a student (T5 or a Llama-family decoder) on sft.jsonl from `reasonrec distil`, "
      "or train one from a config; writes a Hugging Face directory predict and serve load "
      "(docs/training.md)");
  cmd->add_option("--data", o.data, "sft.jsonl: one {\"prompt\", \"target\"} object per line")
      ->required()
      ->check(InputFile());
  cmd->add_option("--out", o.out, "Directory of the trained model (checkpoints/ inside)")
      ->required();
  auto* model = cmd->add_option("--model", o.model,
                                "Hugging Face directory to fine-tune (config.json, "
                                "model.safetensors, tokenizer files)");
  auto* init = cmd->add_option("--init-config", o.init_config,
                               "Llama-family config.json to train from random weights instead");
  model->excludes(init);
  cmd->add_option("--tokenizer", o.tokenizer,
                  "With --init-config: directory holding the tokenizer files");
  cmd->add_option("--lora", a->lora,
                  "Train LoRA adapters r,alpha,dropout (e.g. 8,16,0.05) instead of every weight; "
                  "--out becomes a PEFT adapter directory");
  cmd->add_option("--lora-targets", a->lora_targets,
                  "Projections to adapt (PEFT's target_modules: q,v by default; decoders also "
                  "take q_proj, gate_proj, ...)")
      ->delimiter(',');
  cmd->add_option("--steps", o.steps, "Optimizer steps")->capture_default_str();
  cmd->add_option("--batch", o.batch, "Examples per optimizer step")->capture_default_str();
  cmd->add_option("--micro-batch", o.micro_batch,
                  "Examples per forward/backward pass (gradients accumulate to --batch)")
      ->capture_default_str();
  cmd->add_option("--lr", o.lr, "Peak learning rate (AdamW)")->capture_default_str();
  cmd->add_option("--schedule", a->schedule, "constant, linear or cosine (after warmup)")
      ->capture_default_str();
  cmd->add_option("--warmup", o.warmup, "Linear warmup steps")->capture_default_str();
  cmd->add_option("--dropout", a->dropout, "Dropout rate while training (the paper's 0.25)")
      ->capture_default_str();
  cmd->add_flag("--keep-dropout", a->keep_dropout,
                "Keep the checkpoint's own dropout rate instead of --dropout");
  cmd->add_option("--weight-decay", o.weight_decay,
                  "Decoupled weight decay on matrices (norm scales are not decayed)")
      ->capture_default_str();
  cmd->add_option("--clip", o.clip, "Max global gradient norm; 0 = no clipping")
      ->capture_default_str();
  cmd->add_option("--max-input-tokens", o.max_input_tokens,
                  "Prompts longer than this are cut from the left (counted)")
      ->capture_default_str();
  cmd->add_option("--max-target-tokens", o.max_target_tokens,
                  "Targets longer than this are cut (counted)")
      ->capture_default_str();
  cmd->add_option("--eval", o.eval,
                  "Validation records (sft format with `rating`): rating metrics from the "
                  "student's rating-token probabilities every --eval-every steps; the best model "
                  "is kept in OUT/best")
      ->check(InputFile());
  cmd->add_option("--eval-every", o.eval_every, "Steps between validations")->capture_default_str();
  cmd->add_option("--eval-metric", o.eval_metric,
                  "What `best` means: rmse, mae, loss (lower) or accuracy, macro_f1, "
                  "binary_accuracy, binary_f1, binary_auc, ovr_auc (higher)")
      ->capture_default_str();
  cmd->add_option("--early-stop", o.early_stop,
                  "Stop after this many validations without a better --eval-metric; 0 = never")
      ->capture_default_str();
  cmd->add_option("--checkpoint-every", o.checkpoint_every,
                  "Checkpoint every K steps (0 = only at the end); the last two are kept")
      ->capture_default_str();
  cmd->add_option("--stop-after", o.stop_after,
                  "Stop with a checkpoint after this step, to continue later with --resume")
      ->capture_default_str();
  cmd->add_option("--log-every", o.log_every, "Progress line and train_log.jsonl every K steps")
      ->capture_default_str();
  cmd->add_flag("--resume", o.resume, "Continue from --out's last checkpoint");
  cmd->add_option("--seed", o.seed, "Seed of the data order, dropout and initial weights")
      ->capture_default_str();
  cmd->add_option("--device", o.device, "cpu or cuda")->capture_default_str();
  cmd->add_option("--threads", o.threads, "CPU threads; 0 = every hardware thread")
      ->capture_default_str();
  cmd->callback([a] { run_train_command(*a); });
}

}  // namespace reasonrec::cli
