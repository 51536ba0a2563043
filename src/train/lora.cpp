#include "train/lora.hpp"

#include <cmath>
#include <map>
#include <set>

#include "engine/weights.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What a target means for this architecture: decoders take the T5-style short names too.
std::string module_suffix(const std::string& target, const std::string& architecture) {
  static const std::set<std::string> short_names = {"q", "k", "v", "o", "gate", "up", "down"};
  if (architecture != "t5" && short_names.count(target) > 0) return target + "_proj";
  return target;
}

std::string last_component(const std::string& module) {
  const auto dot = module.rfind('.');
  return dot == std::string::npos ? module : module.substr(dot + 1);
}

}  // namespace

LoraOptions parse_lora(const std::string& spec) {
  LoraOptions o;
  std::vector<std::string> parts;
  std::string part;
  for (const char c : spec + ",") {
    if (c == ',') {
      parts.push_back(part);
      part.clear();
    } else {
      part += c;
    }
  }
  try {
    if (parts.size() != 3) throw std::invalid_argument("three values");
    std::size_t used = 0;
    o.rank = std::stoi(parts[0], &used);
    if (used != parts[0].size()) throw std::invalid_argument("rank");
    o.alpha = std::stod(parts[1], &used);
    if (used != parts[1].size()) throw std::invalid_argument("alpha");
    o.dropout = std::stod(parts[2], &used);
    if (used != parts[2].size()) throw std::invalid_argument("dropout");
  } catch (const std::exception&) {
    throw UsageError("--lora: expected r,alpha,dropout (e.g. 8,16,0.05), got '" + spec + "'");
  }
  if (o.rank < 1 || !(o.alpha > 0.0) || o.dropout < 0.0 || o.dropout >= 1.0) {
    throw UsageError("--lora: r must be at least 1, alpha positive and dropout in [0, 1) (got '" +
                     spec + "')");
  }
  return o;
}

std::vector<std::string> lora_modules(const Student& student,
                                      const std::vector<std::string>& targets) {
  const std::vector<std::string> projections = student.projection_modules();
  std::vector<std::string> chosen;
  for (const std::string& target : targets) {
    const std::string suffix = module_suffix(target, student.architecture());
    bool matched = false;
    for (const std::string& module : projections) {
      if (module == suffix || ends_with(module, "." + suffix)) {
        matched = true;
        if (std::find(chosen.begin(), chosen.end(), module) == chosen.end())
          chosen.push_back(module);
      }
    }
    if (!matched) {
      std::set<std::string> names;
      for (const std::string& module : projections) names.insert(last_component(module));
      std::string list;
      for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
      throw UsageError("--lora-targets: '" + target + "' names no projection of this " +
                       student.architecture() + " model (its projections: " + list + ")");
    }
  }
  return chosen;
}

StudentAdapters attach_lora(Student& student, const LoraOptions& options) {
  const std::vector<std::string> modules = lora_modules(student, options.targets);
  std::map<std::string, torch::Tensor> weights;
  for (const auto& [name, tensor] : student.weights()) weights[name] = tensor;
  StudentAdapters out;
  out.adapters = std::make_shared<engine::LowRankAdapters>();
  std::set<std::string> suffixes;
  for (const std::string& module : modules) {
    const torch::Tensor& base = weights.at(module + ".weight");
    const std::int64_t in = base.size(1);
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    engine::LowRankAdapter adapter;
    adapter.module = module;
    adapter.a = torch::empty({options.rank, in}, base.options()).uniform_(-bound, bound);
    adapter.b = torch::zeros({base.size(0), options.rank}, base.options());
    adapter.scaling = options.alpha / options.rank;
    adapter.dropout = options.dropout;
    out.trainable.emplace_back(module + ".lora_A.weight", adapter.a);
    out.trainable.emplace_back(module + ".lora_B.weight", adapter.b);
    out.adapters->add(base, adapter);
    suffixes.insert(last_component(module));
  }
  out.target_modules.assign(suffixes.begin(), suffixes.end());
  student.set_adapters(out.adapters);
  return out;
}

nlohmann::json peft_adapter_config(const LoraOptions& options, const StudentAdapters& adapters,
                                   const std::string& base_model, const std::string& task_type) {
  return {{"peft_type", "LORA"},
          {"task_type", task_type},
          {"base_model_name_or_path", base_model},
          {"r", options.rank},
          {"lora_alpha", options.alpha},
          {"lora_dropout", options.dropout},
          {"target_modules", adapters.target_modules},
          {"bias", "none"},
          {"fan_in_fan_out", false},
          {"inference_mode", true},
          {"init_lora_weights", true},
          {"modules_to_save", nullptr},
          {"layers_to_transform", nullptr},
          {"layers_pattern", nullptr},
          {"rank_pattern", nlohmann::json::object()},
          {"alpha_pattern", nlohmann::json::object()},
          {"use_rslora", false},
          {"use_dora", false},
          {"revision", nullptr}};
}

void write_peft_adapter(const std::filesystem::path& dir, const StudentAdapters& adapters,
                        const nlohmann::json& adapter_config) {
  std::filesystem::create_directories(dir);
  NamedTensors tensors;
  for (const auto& [name, tensor] : adapters.trainable) {
    tensors.emplace_back("base_model.model." + name, tensor);
  }
  engine::save_tensors(dir / "adapter_model.safetensors", tensors);
  write_file_atomically(dir / "adapter_config.json", adapter_config.dump(2) + "\n");
}

}  // namespace reasonrec::train
