#pragma once

// The bridge between checkpoint files and torch tensors. Internal to the engine's torch half:
// headers included from outside src/engine must not include this one.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/checkpoint/safetensors.hpp"

namespace reasonrec::engine {

// A float32 CPU tensor of the named weight, checked against the shape the model expects.
//
// F32 data whose address is 4-byte aligned (always so for files from the reference writer or
// ours) is used in place, without a copy: the tensor shares the file's private copy-on-write
// mapping and holds a reference that keeps it mapped after the CheckpointDir is gone, so the
// tensor owns its memory like any other and may be modified in place (the file never changes).
// F16, BF16 and F64 data, and unaligned F32, are converted into a fresh tensor.
//
// InputError "<file>: tensor <name> has shape [..], expected [..]", "<file>: tensor <name> not
// found", or naming an unsupported dtype.
torch::Tensor load_f32(const CheckpointDir& checkpoint, std::string_view name,
                       std::vector<std::int64_t> expected_shape);
torch::Tensor load_f32(const SafetensorsFile& file, std::string_view name,
                       std::vector<std::int64_t> expected_shape);

// Writes `file` (safetensors, every tensor as contiguous F32, metadata format=pt) atomically.
// Throws Error for duplicate names or a non-floating tensor.
void save_tensors(const std::filesystem::path& file,
                  const std::vector<std::pair<std::string, torch::Tensor>>& tensors);

// Writes dir/config.json and dir/model.safetensors (every tensor as contiguous F32, in the
// reference layout), each atomically; creates dir when needed. Tensors may live on any device
// and have any floating dtype. Throws Error for duplicate names or a non-floating tensor.
void save_checkpoint(const std::filesystem::path& dir,
                     const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                     const nlohmann::json& config);

}  // namespace reasonrec::engine
