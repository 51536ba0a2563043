#pragma once

// What `reasonrec train` is asked to do (docs/training.md lists every flag). Torch-free.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace reasonrec::train {

enum class Schedule { constant, linear, cosine };
Schedule parse_schedule(const std::string& name);  // UsageError naming the choices
std::string schedule_name(Schedule schedule);

// LoRA (PEFT's rules): A random (Kaiming-uniform), B zero, y += alpha/r * dropout(x) A^T B^T on
// every projection whose module path is a target or ends in "." + target.
struct LoraOptions {
  int rank = 8;
  double alpha = 16.0;
  double dropout = 0.05;
  std::vector<std::string> targets = {"q", "v"};  // decoders: q,k,v,o,gate,up,down mean X_proj
};
// "r,alpha,dropout" (e.g. "8,16,0.05"); UsageError naming --lora otherwise.
LoraOptions parse_lora(const std::string& spec);

struct TrainOptions {
  std::filesystem::path data;                        // sft.jsonl (reasonrec distil)
  std::filesystem::path out;                         // the trained model's directory
  std::optional<std::filesystem::path> model;        // initial weights (a Hugging Face directory)
  std::optional<std::filesystem::path> init_config;  // or: config.json to initialise from
  std::optional<std::filesystem::path> tokenizer;    // with init_config: the tokenizer's directory
  std::optional<LoraOptions> lora;  // train adapters only; out becomes a PEFT adapter directory

  std::int64_t steps = 1000;  // optimizer steps
  int batch = 64;             // examples per optimizer step
  int micro_batch = 8;        // examples per forward/backward pass (batch is a multiple)
  double lr = 1e-4;
  Schedule schedule = Schedule::constant;
  std::int64_t warmup = 0;
  std::optional<double> dropout = 0.25;  // nullopt: keep the checkpoint's own rate
  double weight_decay = 0.0;
  double clip = 1.0;  // max global gradient norm; 0 turns clipping off
  int max_input_tokens = 512;
  int max_target_tokens = 256;

  // Validation: sft-format records with `rating` (the paper's rating-token method), every
  // eval_every steps; the best model by eval_metric is kept in out/best; early_stop > 0 ends
  // the run after that many evaluations without improvement.
  std::optional<std::filesystem::path> eval;
  std::int64_t eval_every = 100;
  std::string eval_metric = "rmse";
  std::int64_t early_stop = 0;

  std::int64_t checkpoint_every = 0;  // 0: only at the end
  // Stop after this many steps with a checkpoint, to continue later with --resume (training in
  // pieces on a machine lent for a while); 0: run to --steps.
  std::int64_t stop_after = 0;
  std::int64_t log_every = 10;
  bool resume = false;
  std::uint64_t seed = 0;
  std::string device = "cpu";
  int threads = 0;  // 0: every hardware thread
};

// What a finished run reports (also written to DIR/train_summary.json).
struct TrainSummary {
  std::int64_t steps = 0;
  std::int64_t examples = 0;
  std::int64_t truncated_inputs = 0;
  std::int64_t truncated_targets = 0;
  double final_loss = 0.0;
  double seconds = 0.0;
  double tokens_per_second = 0.0;
  std::int64_t resumed_from = 0;     // step the run resumed at; 0 for a fresh run
  bool finished = false;             // false when --stop-after paused it before --steps
  bool stopped_early = false;        // --early-stop ended it before --steps
  std::optional<double> best_value;  // --eval: the best --eval-metric, at best_step
  std::int64_t best_step = 0;
  std::filesystem::path out;
};

}  // namespace reasonrec::train
