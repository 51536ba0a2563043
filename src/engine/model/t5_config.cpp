#include "engine/model/t5_config.hpp"

#include "engine/model/config_reader.hpp"

namespace reasonrec::engine {

namespace {

std::string feed_forward_name(const T5Config& c) {
  std::string act = "relu";
  switch (c.activation) {
    case T5Config::Activation::gelu_new:
      act = "gelu";  // transformers reads "gated-gelu" as gelu_new
      break;
    case T5Config::Activation::gelu:
      act = "gelu";
      break;
    case T5Config::Activation::silu:
      act = "silu";
      break;
    case T5Config::Activation::relu:
      break;
  }
  return c.gated ? "gated-" + act : act;
}

}  // namespace

bool is_t5(const nlohmann::json& config) {
  auto it = config.find("model_type");
  return it != config.end() && it->is_string() && it->get<std::string>() == "t5";
}

T5Config T5Config::from_json(const nlohmann::json& json, const std::string& source) {
  ConfigReader r(json, source);
  T5Config c;
  const std::string type = r.string("model_type", "t5");
  if (type != "t5") r.fail("model_type", "\"" + type + "\" is not t5");
  c.vocab_size = r.positive("vocab_size");
  c.d_model = r.positive("d_model");
  c.num_heads = r.positive("num_heads");
  c.d_kv = r.positive("d_kv", c.d_model / c.num_heads);
  c.d_ff = r.positive("d_ff");
  c.num_layers = r.integer("num_layers");
  c.num_decoder_layers = r.integer("num_decoder_layers", c.num_layers);
  c.relative_attention_num_buckets = r.positive("relative_attention_num_buckets", 32);
  c.relative_attention_max_distance = r.positive("relative_attention_max_distance", 128);
  if (c.relative_attention_num_buckets < 4) {
    r.fail("relative_attention_num_buckets", "must be at least 4");
  }
  c.dropout_rate = r.number("dropout_rate", 0.1);
  c.layer_norm_epsilon = r.number("layer_norm_epsilon", 1e-6);
  const std::string ff = r.string("feed_forward_proj", "relu");
  std::string act = ff;
  if (ff.rfind("gated-", 0) == 0) {
    c.gated = true;
    act = ff.substr(6);
  }
  if (act == "relu") {
    c.activation = Activation::relu;
  } else if (act == "gelu") {
    // transformers: a gated "gelu" is gelu_new; a plain one is the exact gelu.
    c.activation = c.gated ? Activation::gelu_new : Activation::gelu;
  } else if (act == "gelu_new") {
    c.activation = Activation::gelu_new;
  } else if (act == "silu" || act == "swish") {
    c.activation = Activation::silu;
  } else {
    r.fail("feed_forward_proj", "\"" + ff + "\" is not supported (relu, gated-gelu, gated-silu)");
  }
  c.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  c.pad_token_id = static_cast<std::int32_t>(r.integer("pad_token_id", 0));
  c.eos_token_id = static_cast<std::int32_t>(r.integer("eos_token_id", 1));
  c.decoder_start_token_id =
      static_cast<std::int32_t>(r.integer("decoder_start_token_id", c.pad_token_id));
  return c;
}

nlohmann::json T5Config::to_json() const {
  return {{"model_type", "t5"},
          {"vocab_size", vocab_size},
          {"d_model", d_model},
          {"d_kv", d_kv},
          {"d_ff", d_ff},
          {"num_layers", num_layers},
          {"num_decoder_layers", num_decoder_layers},
          {"num_heads", num_heads},
          {"relative_attention_num_buckets", relative_attention_num_buckets},
          {"relative_attention_max_distance", relative_attention_max_distance},
          {"dropout_rate", dropout_rate},
          {"layer_norm_epsilon", layer_norm_epsilon},
          {"feed_forward_proj", feed_forward_name(*this)},
          {"tie_word_embeddings", tie_word_embeddings},
          {"pad_token_id", pad_token_id},
          {"eos_token_id", eos_token_id},
          {"decoder_start_token_id", decoder_start_token_id},
          {"is_encoder_decoder", true}};
}

}  // namespace reasonrec::engine
