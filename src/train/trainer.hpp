#pragma once

// `reasonrec train`: fine-tunes a student on sft.jsonl (docs/training.md). Torch-free
// interface; the work runs on libtorch.

#include <iosfwd>

#include "train/train_options.hpp"

namespace reasonrec::train {

// Trains, checkpointing into options.out/checkpoints/, and writes the final model to
// options.out (config.json, model.safetensors, tokenizer files), train_log.jsonl and
// train_summary.json. Progress lines go to `progress`. UsageError for contradictory options,
// InputError for bad data, Error naming the step for a non-finite loss (the last good
// checkpoint is kept).
TrainSummary run_training(const TrainOptions& options, std::ostream& progress);

}  // namespace reasonrec::train
