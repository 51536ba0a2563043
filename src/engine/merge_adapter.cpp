#include "engine/merge_adapter.hpp"

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/model/llama.hpp"
#include "engine/model/peft_adapter.hpp"
#include "engine/model/t5.hpp"
#include "engine/weights.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace fs = std::filesystem;

namespace {

bool is_weights_file(const fs::path& file) {
  const std::string name = file.filename().string();
  const auto ends = [&](const std::string& suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".safetensors") || ends(".safetensors.index.json") || ends(".bin") ||
         name == "config.json";
}

}  // namespace

MergeResult merge_adapter(const fs::path& model_dir, const fs::path& adapter_dir,
                          const fs::path& out_dir) {
  if (fs::exists(out_dir) && fs::equivalent(model_dir, out_dir)) {
    throw UsageError("--out must not be the base model's directory");
  }
  const CheckpointDir checkpoint = CheckpointDir::open(model_dir);
  const bool t5 = checkpoint.config().value("model_type", std::string()) == "t5";
  // Both models keep their weights as tensors they share with named_parameters().
  std::vector<std::pair<std::string, torch::Tensor>> weights;
  std::optional<T5Model> t5_model;
  std::optional<LlamaModel> llama_model;
  if (t5) {
    t5_model.emplace(T5Model::load(checkpoint));
    weights = t5_model->named_parameters();
  } else {
    llama_model.emplace(LlamaModel::load(checkpoint));
    weights = llama_model->named_parameters();
  }
  const std::vector<AdapterForWeight> adapters = read_peft_adapter(adapter_dir, model_dir, weights);
  merge_adapters(adapters);
  save_checkpoint(out_dir, weights, checkpoint.config());
  for (const auto& entry : fs::directory_iterator(model_dir)) {
    if (entry.is_regular_file() && !is_weights_file(entry.path())) {
      fs::copy_file(entry.path(), out_dir / entry.path().filename(),
                    fs::copy_options::overwrite_existing);
    }
  }
  return MergeResult{adapters.size()};
}

}  // namespace reasonrec::engine
