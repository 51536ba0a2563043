#include "engine/checkpoint/checkpoint_dir.hpp"

#include <fstream>
#include <iterator>
#include <set>
#include <utility>

#include "util/error.hpp"

namespace reasonrec::engine {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::string_view kConfig = "config.json";
constexpr std::string_view kGenerationConfig = "generation_config.json";
constexpr std::string_view kSingleWeights = "model.safetensors";
constexpr std::string_view kIndex = "model.safetensors.index.json";

json read_json_object(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  json value;
  try {
    value = json::parse(text);
  } catch (const json::exception& error) {
    throw InputError(path.string(), 0, std::string("not valid JSON: ") + error.what());
  }
  if (!value.is_object()) throw InputError(path.string(), 0, "not a JSON object");
  return value;
}

// The weight_map of an index, checked to name shards inside the model directory.
std::map<std::string, std::string> read_weight_map(const fs::path& index_path) {
  const json index = read_json_object(index_path);
  const auto weight_map = index.find("weight_map");
  if (weight_map == index.end() || !weight_map->is_object()) {
    throw InputError(index_path.string(), 0, "missing object \"weight_map\"");
  }
  std::map<std::string, std::string> out;
  for (const auto& [tensor, shard] : weight_map->items()) {
    if (!shard.is_string()) {
      throw InputError(index_path.string(), 0,
                       "weight_map entry for tensor '" + tensor + "' is not a file name");
    }
    const auto& file = shard.get_ref<const std::string&>();
    const fs::path relative(file);
    // A hostile index must not make us open files outside the directory.
    if (file.empty() || relative.is_absolute() || relative.has_parent_path() || file == "." ||
        file == "..") {
      throw InputError(index_path.string(), 0,
                       "weight_map puts tensor '" + tensor + "' in '" + file +
                           "', which is not a plain file name in the model directory");
    }
    out.emplace(tensor, file);
  }
  return out;
}

}  // namespace

CheckpointDir CheckpointDir::open(const fs::path& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    throw InputError(dir.string(), 0, "not a model directory (it does not exist or is a file)");
  }
  CheckpointDir checkpoint;
  checkpoint.dir_ = dir;

  const fs::path config = dir / kConfig;
  if (!fs::exists(config, error)) {
    throw InputError(config.string(), 0, "missing: a model directory needs config.json");
  }
  checkpoint.config_ = read_json_object(config);
  const fs::path generation = dir / kGenerationConfig;
  if (fs::exists(generation, error)) checkpoint.generation_config_ = read_json_object(generation);

  const fs::path single = dir / kSingleWeights;
  const fs::path index_path = dir / kIndex;
  if (fs::exists(single, error)) {
    checkpoint.weights_source_ = single;
    checkpoint.files_.push_back(SafetensorsFile::open(single));
    for (const auto& view : checkpoint.files_.front().tensors()) {
      checkpoint.index_.emplace(view.name, Location{0, &view});
    }
    return checkpoint;
  }
  if (!fs::exists(index_path, error)) {
    std::string reason = "no model.safetensors or model.safetensors.index.json";
    if (fs::exists(dir / "pytorch_model.bin", error)) {
      reason += " (pytorch_model.bin is a pickle; convert it to safetensors first)";
    }
    throw InputError(dir.string(), 0, reason);
  }

  checkpoint.weights_source_ = index_path;
  const auto weight_map = read_weight_map(index_path);
  // Each shard is opened (mapped and validated) once, however many tensors it holds.
  std::map<std::string, std::size_t> shard_numbers;
  for (const auto& [tensor, shard] : weight_map) {
    if (shard_numbers.contains(shard)) continue;
    const fs::path shard_path = dir / shard;
    if (!fs::exists(shard_path, error)) {
      throw InputError(
          index_path.string(), 0,
          "weight_map puts tensor '" + tensor + "' in shard '" + shard + "', which does not exist");
    }
    shard_numbers.emplace(shard, checkpoint.files_.size());
    checkpoint.files_.push_back(SafetensorsFile::open(shard_path));
  }
  // Every tensor of every shard is reachable, listed or not (transformers loads whole shards),
  // but a tensor stored twice is ambiguous.
  for (std::size_t file = 0; file < checkpoint.files_.size(); ++file) {
    for (const auto& view : checkpoint.files_[file].tensors()) {
      const auto [it, inserted] = checkpoint.index_.emplace(view.name, Location{file, &view});
      if (!inserted) {
        throw InputError(checkpoint.files_[file].path().string(), 0,
                         "tensor '" + view.name + "' is also in shard " +
                             checkpoint.files_[it->second.file].path().filename().string());
      }
    }
  }
  for (const auto& [tensor, shard] : weight_map) {
    const auto& listed = checkpoint.files_[shard_numbers.at(shard)];
    if (listed.find(tensor) == nullptr) {
      throw InputError(listed.path().string(), 0,
                       "tensor '" + tensor + "' is listed in " + std::string(kIndex) +
                           " for this shard but absent from it");
    }
  }
  return checkpoint;
}

const TensorView* CheckpointDir::find(std::string_view name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? nullptr : found->second.view;
}

const TensorView& CheckpointDir::tensor(std::string_view name) const {
  if (const auto* view = find(name)) return *view;
  throw InputError(weights_source_.string(), 0, "tensor '" + std::string(name) + "' not found");
}

const SafetensorsFile* CheckpointDir::file_of(std::string_view name) const {
  const auto found = index_.find(name);
  return found == index_.end() ? nullptr : &files_[found->second.file];
}

std::vector<std::string> CheckpointDir::tensor_names() const {
  std::vector<std::string> names;
  names.reserve(index_.size());
  for (const auto& [name, location] : index_) names.push_back(name);
  return names;
}

}  // namespace reasonrec::engine
