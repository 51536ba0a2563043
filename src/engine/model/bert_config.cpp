#include "engine/model/bert_config.hpp"

#include "engine/model/config_reader.hpp"

namespace reasonrec::engine {

namespace {

bool is_roberta_type(const std::string& type) {
  return type == "roberta" || type == "xlm-roberta" || type == "camembert";
}

const char* activation_name(EncoderActivation a) {
  switch (a) {
    case EncoderActivation::gelu_new:
      return "gelu_new";
    case EncoderActivation::relu:
      return "relu";
    case EncoderActivation::silu:
      return "silu";
    case EncoderActivation::gelu:
      break;
  }
  return "gelu";
}

}  // namespace

bool is_bert_family(const nlohmann::json& config) {
  auto it = config.find("model_type");
  if (it == config.end() || !it->is_string()) return false;
  const auto type = it->get<std::string>();
  return type == "bert" || is_roberta_type(type);
}

bool BertConfig::roberta_positions() const {
  return is_roberta_type(model_type);
}

std::int64_t BertConfig::max_input_length() const {
  return roberta_positions() ? max_position_embeddings - pad_token_id - 1 : max_position_embeddings;
}

BertConfig BertConfig::from_json(const nlohmann::json& json, const std::string& source) {
  ConfigReader r(json, source);
  BertConfig c;
  c.model_type = r.string("model_type", "bert");
  if (c.model_type != "bert" && !is_roberta_type(c.model_type)) {
    r.fail("model_type",
           "\"" + c.model_type + "\" is not a BERT-family encoder (bert, roberta, xlm-roberta)");
  }
  c.vocab_size = r.positive("vocab_size");
  c.hidden_size = r.positive("hidden_size");
  c.num_hidden_layers = r.integer("num_hidden_layers");
  c.num_attention_heads = r.positive("num_attention_heads");
  if (c.hidden_size % c.num_attention_heads != 0) {
    r.fail("num_attention_heads",
           "must divide hidden_size (" + std::to_string(c.hidden_size) + ")");
  }
  c.intermediate_size = r.positive("intermediate_size");
  c.max_position_embeddings = r.positive("max_position_embeddings", 512);
  c.type_vocab_size = r.integer("type_vocab_size", 2);
  c.pad_token_id = r.integer("pad_token_id", c.roberta_positions() ? 1 : 0);
  c.layer_norm_eps = r.number("layer_norm_eps", 1e-12);
  if (!(c.layer_norm_eps > 0)) r.fail("layer_norm_eps", "must be positive");
  c.hidden_dropout_prob = r.number("hidden_dropout_prob", 0.1);
  c.attention_probs_dropout_prob = r.number("attention_probs_dropout_prob", 0.1);
  const std::string act = r.string("hidden_act", "gelu");
  if (act == "gelu") {
    c.hidden_act = EncoderActivation::gelu;
  } else if (act == "gelu_new" || act == "gelu_pytorch_tanh" || act == "gelu_fast") {
    c.hidden_act = EncoderActivation::gelu_new;
  } else if (act == "relu") {
    c.hidden_act = EncoderActivation::relu;
  } else if (act == "silu" || act == "swish") {
    c.hidden_act = EncoderActivation::silu;
  } else {
    r.fail("hidden_act", "\"" + act + "\" is not supported (gelu, gelu_new, relu, silu)");
  }
  const std::string positions = r.string("position_embedding_type", "absolute");
  if (positions != "absolute") {
    r.fail("position_embedding_type", "\"" + positions + "\" is not supported (absolute)");
  }
  if (c.roberta_positions() && c.max_input_length() <= 0) {
    r.fail("max_position_embeddings", "leaves no positions after pad_token_id + 1");
  }
  return c;
}

nlohmann::json BertConfig::to_json() const {
  return {{"model_type", model_type},
          {"vocab_size", vocab_size},
          {"hidden_size", hidden_size},
          {"num_hidden_layers", num_hidden_layers},
          {"num_attention_heads", num_attention_heads},
          {"intermediate_size", intermediate_size},
          {"max_position_embeddings", max_position_embeddings},
          {"type_vocab_size", type_vocab_size},
          {"pad_token_id", pad_token_id},
          {"layer_norm_eps", layer_norm_eps},
          {"hidden_act", activation_name(hidden_act)},
          {"hidden_dropout_prob", hidden_dropout_prob},
          {"attention_probs_dropout_prob", attention_probs_dropout_prob}};
}

}  // namespace reasonrec::engine
