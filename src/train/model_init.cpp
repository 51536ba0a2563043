#include "train/model_init.hpp"

#include <fstream>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/model/llama.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "engine/weights.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace fs = std::filesystem;

namespace {

const std::set<std::string>& known_llama_fields() {
  static const std::set<std::string> fields = {"architectures",
                                               "attention_bias",
                                               "attention_dropout",
                                               "bos_token_id",
                                               "eos_token_id",
                                               "pad_token_id",
                                               "head_dim",
                                               "hidden_act",
                                               "hidden_size",
                                               "initializer_range",
                                               "intermediate_size",
                                               "max_position_embeddings",
                                               "max_window_layers",
                                               "mlp_bias",
                                               "model_type",
                                               "num_attention_heads",
                                               "num_hidden_layers",
                                               "num_key_value_heads",
                                               "rms_norm_eps",
                                               "rope_scaling",
                                               "rope_theta",
                                               "sliding_window",
                                               "tie_word_embeddings",
                                               "torch_dtype",
                                               "transformers_version",
                                               "use_cache",
                                               "use_sliding_window",
                                               "vocab_size"};
  return fields;
}

}  // namespace

void write_initial_model(const fs::path& config_file, const fs::path& tokenizer_dir,
                         const fs::path& out, std::uint64_t seed) {
  const std::string source = config_file.string();
  std::ifstream in(config_file);
  if (!in) throw InputError(source, 0, "cannot open");
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, 0, std::string("not JSON: ") + e.what());
  }
  if (!config.is_object() || !engine::is_llama_family(config)) {
    throw InputError(source, 0,
                     "from scratch needs a Llama-family config (model_type llama, qwen2 or "
                     "mistral); fine-tune a T5 with --model DIR");
  }
  for (const auto& [key, value] : config.items()) {
    if (!known_llama_fields().contains(key)) {
      throw InputError(source, 0, "unknown field '" + key + "'");
    }
  }
  const engine::LlamaConfig parsed = engine::LlamaConfig::from_json(config, source);
  const auto tokenizer = engine::load_tokenizer(tokenizer_dir);
  if (tokenizer->vocab_size() > parsed.vocab_size) {
    throw InputError(source, 0,
                     "vocab_size " + std::to_string(parsed.vocab_size) + " is smaller than the " +
                         std::to_string(tokenizer->vocab_size()) + " tokens of " +
                         tokenizer_dir.string());
  }
  const double std = config.value("initializer_range", 0.02);
  engine::LlamaModel model = engine::LlamaModel::random(parsed, seed, std);
  torch::NoGradGuard no_grad;
  auto weights = model.named_parameters();
  for (auto& [name, tensor] : weights) {
    // RMSNorm scales start at 1 and biases at 0, as transformers initialises them.
    if (name.ends_with("norm.weight")) tensor.fill_(1.0);
    if (name.ends_with(".bias")) tensor.zero_();
  }
  fs::create_directories(out);
  engine::save_checkpoint(out, weights, config);
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                           "spiece.model", "tokenizer.model", "generation_config.json"}) {
    if (fs::exists(tokenizer_dir / name)) {
      fs::copy_file(tokenizer_dir / name, out / name, fs::copy_options::overwrite_existing);
    }
  }
}

}  // namespace reasonrec::train
