#pragma once

// Internal to the engine (includes torch): PEFT LoRA adapter directories (adapter_config.json +
// adapter_model.safetensors, keys base_model.model.<module path>.lora_A.weight / .lora_B.weight)
// read against a base model's weights, and merged into them.

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

#include "engine/model/low_rank_adapters.hpp"

namespace reasonrec::engine {

struct AdapterForWeight {
  torch::Tensor base;  // the model's own weight tensor
  LowRankAdapter adapter;
};

// Every adapter of `adapter_dir`, matched to the base weights (Hugging Face names) of the model
// loaded from `base_dir`. InputError naming the file for: a config that is not LoRA or uses what
// the engine does not (bias, fan_in_fan_out, DoRA), a base model of another name, a module the
// model lacks, a shape that does not fit, a lora_A without its lora_B.
std::vector<AdapterForWeight> read_peft_adapter(
    const std::filesystem::path& adapter_dir, const std::filesystem::path& base_dir,
    const std::vector<std::pair<std::string, torch::Tensor>>& base_weights);

// W += scaling * B A for each adapter, in place (the model then computes base + adapter).
void merge_adapters(const std::vector<AdapterForWeight>& adapters);

}  // namespace reasonrec::engine
