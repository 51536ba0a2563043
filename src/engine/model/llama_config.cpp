#include "engine/model/llama_config.hpp"

#include "engine/model/config_reader.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

RopeScaling parse_rope_scaling(const nlohmann::json& json, const std::string& source) {
  if (!json.is_object()) throw InputError(source, 0, "field \"rope_scaling\" must be an object");
  ConfigReader r(json, source);
  std::string type = r.string("rope_type", r.string("type", ""));
  RopeScaling s;
  s.factor = r.number("factor", 1.0);
  if (type == "default") return s;
  if (type == "linear") {
    s.kind = RopeScaling::Kind::Linear;
  } else if (type == "dynamic") {
    s.kind = RopeScaling::Kind::Dynamic;
  } else if (type == "llama3") {
    s.kind = RopeScaling::Kind::Llama3;
    s.low_freq_factor = r.number("low_freq_factor", 1.0);
    s.high_freq_factor = r.number("high_freq_factor", 4.0);
    s.original_max_position_embeddings = r.integer("original_max_position_embeddings");
    if (s.high_freq_factor <= s.low_freq_factor) {
      r.fail("rope_scaling.high_freq_factor", "must exceed low_freq_factor");
    }
  } else if (type == "yarn") {
    s.kind = RopeScaling::Kind::Yarn;
    s.beta_fast = r.number("beta_fast", 32.0);
    s.beta_slow = r.number("beta_slow", 1.0);
    s.original_max_position_embeddings = r.integer("original_max_position_embeddings", 0);
    if (const auto* af = r.find("attention_factor")) {
      if (!af->is_number()) r.fail("rope_scaling.attention_factor", "must be a number");
      s.attention_factor = af->get<double>();
    }
  } else {
    r.fail("rope_scaling.type",
           "\"" + type + "\" is not supported (default, linear, dynamic, llama3, yarn)");
  }
  if (!(s.factor >= 1.0)) r.fail("rope_scaling.factor", "must be at least 1");
  return s;
}

const char* rope_type_name(RopeScaling::Kind kind) {
  switch (kind) {
    case RopeScaling::Kind::Linear:
      return "linear";
    case RopeScaling::Kind::Dynamic:
      return "dynamic";
    case RopeScaling::Kind::Llama3:
      return "llama3";
    case RopeScaling::Kind::Yarn:
      return "yarn";
    case RopeScaling::Kind::None:
      break;
  }
  return "default";
}

}  // namespace

bool is_llama_family(const nlohmann::json& config) {
  auto it = config.find("model_type");
  if (it == config.end() || !it->is_string()) return false;
  const auto type = it->get<std::string>();
  return type == "llama" || type == "qwen2" || type == "mistral";
}

LlamaConfig LlamaConfig::from_json(const nlohmann::json& json, const std::string& source) {
  ConfigReader r(json, source);  // throws "config is not a JSON object" itself
  LlamaConfig c;
  c.model_type = r.string("model_type", "");
  if (c.model_type != "llama" && c.model_type != "qwen2" && c.model_type != "mistral") {
    r.fail("model_type",
           "\"" + c.model_type + "\" is not a Llama-family decoder (llama, qwen2, mistral)");
  }
  c.vocab_size = r.integer("vocab_size");
  c.hidden_size = r.integer("hidden_size");
  c.intermediate_size = r.integer("intermediate_size");
  c.num_hidden_layers = r.integer("num_hidden_layers");
  c.num_attention_heads = r.integer("num_attention_heads");
  c.num_key_value_heads = r.integer("num_key_value_heads", c.num_attention_heads);
  if (c.vocab_size == 0) r.fail("vocab_size", "must be positive");
  if (c.hidden_size == 0) r.fail("hidden_size", "must be positive");
  if (c.intermediate_size == 0) r.fail("intermediate_size", "must be positive");
  if (c.num_attention_heads == 0) r.fail("num_attention_heads", "must be positive");
  if (c.num_key_value_heads == 0 || c.num_attention_heads % c.num_key_value_heads != 0) {
    r.fail("num_key_value_heads",
           "must divide num_attention_heads (" + std::to_string(c.num_attention_heads) + ")");
  }
  const std::int64_t default_head = c.hidden_size / c.num_attention_heads;
  c.head_dim = r.integer("head_dim", default_head);
  if (c.head_dim == 0 || c.head_dim % 2 != 0) r.fail("head_dim", "must be positive and even");
  if (!json.contains("head_dim") && c.hidden_size % c.num_attention_heads != 0) {
    r.fail("num_attention_heads", "does not divide hidden_size and no head_dim is given");
  }
  c.max_position_embeddings = r.integer("max_position_embeddings", 2048);
  c.rms_norm_eps = r.number("rms_norm_eps", 1e-6);
  c.rope_theta = r.number("rope_theta", 10000.0);
  if (!(c.rope_theta > 0)) r.fail("rope_theta", "must be positive");
  if (const auto* scaling = r.find("rope_scaling"))
    c.rope_scaling = parse_rope_scaling(*scaling, source);
  const std::string act = r.string("hidden_act", r.string("hidden_activation", "silu"));
  if (act != "silu" && act != "swish")
    r.fail("hidden_act", "\"" + act + "\" is not supported (silu)");
  if (c.model_type == "qwen2") {
    c.qkv_bias = true;
  } else {
    c.qkv_bias = c.o_bias = r.boolean("attention_bias", false);
  }
  c.mlp_bias = r.boolean("mlp_bias", false);
  c.tie_word_embeddings = r.boolean("tie_word_embeddings", false);
  if (const auto* window = r.find("sliding_window")) {
    const bool used = c.model_type == "mistral" || r.boolean("use_sliding_window", false);
    if (used && !window->is_null()) {
      if (!window->is_number_integer() || window->get<std::int64_t>() < 1) {
        r.fail("sliding_window", "must be a positive integer or null");
      }
      c.sliding_window = window->get<std::int64_t>();
      // transformers' Qwen2 windows only the layers from max_window_layers (default 28) on.
      if (c.model_type == "qwen2") c.window_first_layer = r.integer("max_window_layers", 28);
    }
  }
  if (const auto* eos = r.find("eos_token_id")) {
    if (eos->is_number_integer()) {
      c.eos_token_ids.push_back(eos->get<std::int32_t>());
    } else if (eos->is_array()) {
      for (const auto& id : *eos) {
        if (!id.is_number_integer()) r.fail("eos_token_id", "must hold integers");
        c.eos_token_ids.push_back(id.get<std::int32_t>());
      }
    } else {
      r.fail("eos_token_id", "must be an integer or a list of integers");
    }
  }
  if (const auto* bos = r.find("bos_token_id")) {
    if (!bos->is_number_integer()) r.fail("bos_token_id", "must be an integer");
    c.bos_token_id = bos->get<std::int32_t>();
  }
  return c;
}

nlohmann::json LlamaConfig::to_json() const {
  nlohmann::json j = {{"architectures",
                       {model_type == "qwen2"     ? "Qwen2ForCausalLM"
                        : model_type == "mistral" ? "MistralForCausalLM"
                                                  : "LlamaForCausalLM"}},
                      {"model_type", model_type},
                      {"vocab_size", vocab_size},
                      {"hidden_size", hidden_size},
                      {"intermediate_size", intermediate_size},
                      {"num_hidden_layers", num_hidden_layers},
                      {"num_attention_heads", num_attention_heads},
                      {"num_key_value_heads", num_key_value_heads},
                      {"head_dim", head_dim},
                      {"max_position_embeddings", max_position_embeddings},
                      {"rms_norm_eps", rms_norm_eps},
                      {"rope_theta", rope_theta},
                      {"hidden_act", "silu"},
                      {"mlp_bias", mlp_bias},
                      {"tie_word_embeddings", tie_word_embeddings},
                      {"torch_dtype", "float32"}};
  if (model_type != "qwen2") j["attention_bias"] = qkv_bias;
  if (rope_scaling.kind != RopeScaling::Kind::None) {
    nlohmann::json s = {{"rope_type", rope_type_name(rope_scaling.kind)},
                        {"factor", rope_scaling.factor}};
    if (rope_scaling.kind == RopeScaling::Kind::Llama3) {
      s["low_freq_factor"] = rope_scaling.low_freq_factor;
      s["high_freq_factor"] = rope_scaling.high_freq_factor;
    }
    if (rope_scaling.original_max_position_embeddings > 0) {
      s["original_max_position_embeddings"] = rope_scaling.original_max_position_embeddings;
    }
    if (rope_scaling.kind == RopeScaling::Kind::Yarn) {
      s["beta_fast"] = rope_scaling.beta_fast;
      s["beta_slow"] = rope_scaling.beta_slow;
      if (rope_scaling.attention_factor) s["attention_factor"] = *rope_scaling.attention_factor;
    }
    j["rope_scaling"] = s;
  }
  if (sliding_window) {
    j["sliding_window"] = *sliding_window;
    if (model_type == "qwen2") {
      j["use_sliding_window"] = true;
      j["max_window_layers"] = window_first_layer;
    }
  }
  if (bos_token_id) j["bos_token_id"] = *bos_token_id;
  if (eos_token_ids.size() == 1) j["eos_token_id"] = eos_token_ids[0];
  if (eos_token_ids.size() > 1) j["eos_token_id"] = eos_token_ids;
  return j;
}

std::int64_t LlamaConfig::parameter_count() const {
  const std::int64_t q = num_attention_heads * head_dim;
  const std::int64_t kv = num_key_value_heads * head_dim;
  std::int64_t layer = hidden_size * (q + 2 * kv) + q * hidden_size +
                       3 * hidden_size * intermediate_size + 2 * hidden_size;
  if (qkv_bias) layer += q + 2 * kv;
  if (o_bias) layer += hidden_size;
  if (mlp_bias) layer += 2 * intermediate_size + hidden_size;
  std::int64_t total = num_hidden_layers * layer + vocab_size * hidden_size + hidden_size;
  if (!tie_word_embeddings) total += vocab_size * hidden_size;
  return total;
}

}  // namespace reasonrec::engine
