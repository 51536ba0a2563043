#pragma once

// Internal to the trainer (includes torch): LoRA adapters on a student's projections and the
// PEFT adapter directory they are saved as (adapter_config.json + adapter_model.safetensors,
// keys base_model.model.<module path>.lora_A.weight / .lora_B.weight).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/model/low_rank_adapters.hpp"
#include "train/student.hpp"
#include "train/train_options.hpp"

namespace reasonrec::train {

struct StudentAdapters {
  std::shared_ptr<engine::LowRankAdapters> adapters;
  NamedTensors trainable;                   // <module>.lora_A.weight, <module>.lora_B.weight
  std::vector<std::string> target_modules;  // the targets as PEFT writes them (q_proj, ...)
};

// The projections of `student` the targets name (PEFT's rule: the module path equals the target
// or ends in "." + target; for decoders q,k,v,o,gate,up,down stand for q_proj, ...). UsageError
// naming a target that matches nothing, with the projections there are.
std::vector<std::string> lora_modules(const Student& student,
                                      const std::vector<std::string>& targets);

// Fresh adapters (A ~ U(-1/sqrt(in), 1/sqrt(in)) as PEFT's Kaiming init, B = 0) attached to the
// student's model, so that it starts as the base model.
StudentAdapters attach_lora(Student& student, const LoraOptions& options);

// PEFT's adapter_config.json for these options.
nlohmann::json peft_adapter_config(const LoraOptions& options, const StudentAdapters& adapters,
                                   const std::string& base_model, const std::string& task_type);

// dir/adapter_config.json and dir/adapter_model.safetensors, each atomically.
void write_peft_adapter(const std::filesystem::path& dir, const StudentAdapters& adapters,
                        const nlohmann::json& adapter_config);

}  // namespace reasonrec::train
