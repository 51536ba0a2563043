#pragma once

// Checkpoints of a training run (internal to the trainer, includes torch). Each one is a
// directory written under a temporary name, synced, then renamed into place, and only then
// named by the `latest` file (written atomically), so a run killed at any point leaves the
// previous checkpoint intact and loadable.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include <torch/torch.h>

#include "train/batch_plan.hpp"
#include "train/student.hpp"

namespace reasonrec::train {

struct TrainerState {
  std::int64_t step = 0;  // optimizer steps done
  DataPosition position;  // the next micro-batch to read
  double last_loss = 0.0;
  // Validation (--eval): the best value of --eval-metric so far, its step, and the evaluations
  // since it (for --early-stop).
  std::optional<double> best_value;
  std::int64_t best_step = 0;
  std::int64_t evals_since_best = 0;
};

// Writes checkpoints/step-<N>/ under `run_dir` (weights, optimizer, torch's CPU generator,
// state) and points checkpoints/latest at it; keeps the `keep` newest checkpoints.
// What a checkpoint holds of the model: the trainable tensors (every weight, or the LoRA
// adapters), the config they belong to, and what trained them (architecture, "+lora").
struct CheckpointContent {
  std::string kind;
  NamedTensors tensors;
  nlohmann::json config;
};

std::filesystem::path write_training_checkpoint(const std::filesystem::path& run_dir,
                                                const CheckpointContent& content,
                                                torch::optim::Optimizer& optimizer,
                                                const TrainerState& state, int keep = 2);

// The latest checkpoint under `run_dir`, or nullopt when there is none.
std::optional<std::filesystem::path> latest_training_checkpoint(
    const std::filesystem::path& run_dir);

// Restores the tensors of `content` (in place), optimizer state and the generator from
// `checkpoint`; returns its state. InputError naming the file when it does not match.
TrainerState read_training_checkpoint(const std::filesystem::path& checkpoint,
                                      const CheckpointContent& content,
                                      torch::optim::Optimizer& optimizer);

}  // namespace reasonrec::train
