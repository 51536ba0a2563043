#pragma once

// Internal to the trainer (includes torch): a model being trained, on the engine's own model
// code, so that what is trained is exactly what `predict` and `serve` run.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "engine/model/low_rank_adapters.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "train/sft_records.hpp"

namespace reasonrec::train {

// One training pair as token ids; `labels` are the ids the loss is taken on.
struct TokenizedPair {
  std::vector<std::int32_t> input;
  std::vector<std::int32_t> labels;
  bool input_truncated = false;
  bool labels_truncated = false;
};

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

class Student {
 public:
  virtual ~Student() = default;

  // "t5" or the decoder's model_type.
  virtual std::string architecture() const = 0;
  const engine::Tokenizer& tokenizer() const { return *tokenizer_; }

  // The prompt as predict feeds it (--api completions), cut from the left to `max_input` (the
  // end holds the item and the question); the target with the end-of-sequence token, cut to
  // `max_target` without it (a cut target must not teach the model to stop there).
  virtual TokenizedPair tokenize(const SftRecord& record, int max_input, int max_target) const = 0;

  // The model's weights under their Hugging Face names (shared, not copies).
  virtual NamedTensors weights() const = 0;
  virtual void set_training(bool training) = 0;

  // Module paths of the weights the model multiplies in its projections (what LoRA can adapt):
  // every matrix but the embeddings, the output head and T5's relative attention bias.
  std::vector<std::string> projection_modules() const;
  virtual void set_adapters(std::shared_ptr<const engine::LowRankAdapters> adapters) = 0;
  // PEFT's task_type: SEQ_2_SEQ_LM or CAUSAL_LM.
  virtual std::string peft_task_type() const = 0;

  // Logits [B, L, vocab], L the longest label row: position t of row b predicts labels[t] of
  // pairs[b] (positions past a row's labels are padding).
  virtual torch::Tensor label_logits(const std::vector<const TokenizedPair*>& pairs) const = 0;

  // Summed cross-entropy over every label token of `pairs` (scalar, differentiable).
  torch::Tensor loss_sum(const std::vector<const TokenizedPair*>& pairs) const;

  // The model's config.json as loaded, with `dropout` written in where the family keeps it.
  virtual nlohmann::json config_json() const = 0;

  const std::filesystem::path& source_dir() const { return source_dir_; }

 protected:
  std::shared_ptr<const engine::Tokenizer> tokenizer_;
  std::filesystem::path source_dir_;
};

// The model of a Hugging Face directory (T5 or a Llama-family decoder) with its tokenizer;
// `dropout` replaces the checkpoint's rate when set. InputError naming the file otherwise.
std::unique_ptr<Student> load_student(const std::filesystem::path& dir,
                                      std::optional<double> dropout);

// Token id rows padded on the right with `pad` into [B, T] int64, and the 0/1 mask.
std::pair<torch::Tensor, torch::Tensor> pad_rows(const std::vector<std::vector<std::int32_t>>& rows,
                                                 std::int64_t pad);

}  // namespace reasonrec::train
