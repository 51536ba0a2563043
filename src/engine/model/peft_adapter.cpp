#include "engine/model/peft_adapter.hpp"

#include <cmath>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "engine/checkpoint/safetensors.hpp"
#include "engine/weights.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPrefix = "base_model.model.";

nlohmann::json read_config(const fs::path& file) {
  std::ifstream in(file);
  if (!in) throw InputError(file.string(), 0, "cannot open (not a PEFT adapter directory?)");
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(file.string(), 0, e.what());
  }
}

std::string last_name(const fs::path& path) {
  fs::path p = path;
  while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "dir/" names dir
  return p.filename().string();
}

// "<module>" and "A" or "B" of base_model.model.<module>.lora_A.weight.
std::pair<std::string, char> split_key(const std::string& key, const fs::path& file) {
  for (const char which : {'A', 'B'}) {
    const std::string suffix = std::string(".lora_") + which + ".weight";
    if (key.rfind(kPrefix, 0) == 0 && key.size() > kPrefix.size() + suffix.size() &&
        key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return {key.substr(kPrefix.size(), key.size() - kPrefix.size() - suffix.size()), which};
    }
  }
  throw InputError(file.string(), 0,
                   "tensor '" + key +
                       "' is not a LoRA weight (base_model.model.<module>.lora_A.weight "
                       "or .lora_B.weight)");
}

}  // namespace

std::vector<AdapterForWeight> read_peft_adapter(
    const fs::path& adapter_dir, const fs::path& base_dir,
    const std::vector<std::pair<std::string, torch::Tensor>>& base_weights) {
  const fs::path config_file = adapter_dir / "adapter_config.json";
  const nlohmann::json config = read_config(config_file);
  auto fail = [&](const std::string& what) { throw InputError(config_file.string(), 0, what); };
  if (config.value("peft_type", std::string()) != "LORA") fail("peft_type is not LORA");
  if (config.value("bias", std::string("none")) != "none")
    fail("bias other than none is not supported");
  if (config.value("fan_in_fan_out", false)) fail("fan_in_fan_out is not supported");
  if (config.value("use_dora", false)) fail("DoRA adapters are not supported");
  if (!config.contains("r") || !config.contains("lora_alpha"))
    fail("r and lora_alpha are required");
  const double rank = config.at("r").get<double>();
  const double alpha = config.at("lora_alpha").get<double>();
  if (!(rank >= 1.0) || !(alpha > 0.0)) fail("r must be at least 1 and lora_alpha positive");
  const double scaling = config.value("use_rslora", false) ? alpha / std::sqrt(rank) : alpha / rank;
  const double dropout = config.value("lora_dropout", 0.0);
  const std::string base_name = config.value("base_model_name_or_path", std::string());
  if (!base_name.empty() && last_name(base_name) != last_name(base_dir)) {
    fail("adapter of base model '" + base_name + "', not of " + base_dir.string() +
         " (edit base_model_name_or_path if the base was only moved or renamed)");
  }

  std::map<std::string, torch::Tensor> bases;
  for (const auto& [name, tensor] : base_weights) bases[name] = tensor;
  const fs::path tensors_file = adapter_dir / "adapter_model.safetensors";
  const SafetensorsFile file = SafetensorsFile::open(tensors_file);
  std::map<std::string, std::pair<torch::Tensor, torch::Tensor>> pairs;
  for (const TensorView& view : file.tensors()) {
    const auto [module, which] = split_key(view.name, tensors_file);
    const auto base = bases.find(module + ".weight");
    if (base == bases.end() || base->second.dim() != 2) {
      throw InputError(tensors_file.string(), 0,
                       "'" + view.name + "' adapts " + module + ", which the model in " +
                           base_dir.string() + " does not have");
    }
    const std::int64_t out = base->second.size(0);
    const std::int64_t in = base->second.size(1);
    const auto r = static_cast<std::int64_t>(rank);
    const std::vector<std::int64_t> shape =
        which == 'A' ? std::vector<std::int64_t>{r, in} : std::vector<std::int64_t>{out, r};
    torch::Tensor t = load_f32(file, view.name, shape);  // InputError naming both shapes
    (which == 'A' ? pairs[module].first : pairs[module].second) = t;
  }
  std::vector<AdapterForWeight> result;
  for (auto& [module, ab] : pairs) {
    if (!ab.first.defined() || !ab.second.defined()) {
      throw InputError(tensors_file.string(), 0, module + " has only one of lora_A and lora_B");
    }
    LowRankAdapter adapter{module, ab.first, ab.second, scaling, dropout};
    result.push_back({bases.at(module + ".weight"), std::move(adapter)});
  }
  if (result.empty()) throw InputError(tensors_file.string(), 0, "holds no LoRA weights");
  return result;
}

void merge_adapters(const std::vector<AdapterForWeight>& adapters) {
  torch::NoGradGuard no_grad;
  for (const auto& [base, adapter] : adapters) base.copy_(merged_weight(base, adapter));
}

}  // namespace reasonrec::engine
