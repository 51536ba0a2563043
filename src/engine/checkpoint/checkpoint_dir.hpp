#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/checkpoint/safetensors.hpp"

namespace reasonrec::engine {

// A Hugging Face model directory: config.json (required), optional generation_config.json, and
// the weights as one model.safetensors or as shards listed by model.safetensors.index.json
// ({"weight_map": {"tensor name": "shard file name", ...}}). model.safetensors wins when both
// exist, as in transformers. Tokenizer files are read elsewhere (tokenizer/). All safetensors
// files are validated on open; every failure is an InputError naming the file and the tensor.
class CheckpointDir {
 public:
  static CheckpointDir open(const std::filesystem::path& dir);

  // Move-only: the name index points into the open files.
  CheckpointDir(CheckpointDir&&) = default;
  CheckpointDir& operator=(CheckpointDir&&) = default;
  CheckpointDir(const CheckpointDir&) = delete;
  CheckpointDir& operator=(const CheckpointDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  const nlohmann::json& config() const { return config_; }
  const nlohmann::json* generation_config() const {
    return generation_config_ ? &*generation_config_ : nullptr;
  }

  // nullptr when no file has the tensor.
  const TensorView* find(std::string_view name) const;

  // InputError "<weights file>: tensor '<name>' not found" when absent.
  const TensorView& tensor(std::string_view name) const;

  // The file holding a tensor (for errors naming the shard, and to keep its mapping alive);
  // nullptr when absent.
  const SafetensorsFile* file_of(std::string_view name) const;

  // Sorted by name.
  std::vector<std::string> tensor_names() const;

  // The open safetensors files, one per shard.
  const std::vector<SafetensorsFile>& files() const { return files_; }

 private:
  CheckpointDir() = default;

  struct Location {
    std::size_t file;
    const TensorView* view;
  };

  std::filesystem::path dir_;
  nlohmann::json config_;
  std::optional<nlohmann::json> generation_config_;
  std::vector<SafetensorsFile> files_;
  // What tensor() names when a tensor is missing: model.safetensors or the index.
  std::filesystem::path weights_source_;
  std::map<std::string, Location, std::less<>> index_;
};

}  // namespace reasonrec::engine
