#pragma once

// `reasonrec merge`: a base model with a PEFT LoRA adapter folded into its weights, written as
// a plain Hugging Face directory. Torch-free interface.

#include <cstddef>
#include <filesystem>

namespace reasonrec::engine {

struct MergeResult {
  std::size_t adapted_weights = 0;  // projections the adapter changed
};

// Loads the model of `model_dir` (T5 or a Llama-family decoder), merges `adapter_dir` into it
// (W += alpha/r * B A) and writes out_dir/config.json, model.safetensors and every other file of
// model_dir (tokenizer, generation config). InputError for an adapter that does not fit the
// model; UsageError when out_dir is model_dir.
MergeResult merge_adapter(const std::filesystem::path& model_dir,
                          const std::filesystem::path& adapter_dir,
                          const std::filesystem::path& out_dir);

}  // namespace reasonrec::engine
