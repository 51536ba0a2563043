#include "engine/model/bert.hpp"

#include <cmath>
#include <limits>

#include "engine/weights.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

namespace {

torch::Tensor affine(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  return torch::matmul(x, w.t()) + b;
}

torch::Tensor layer_norm(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b,
                         double eps) {
  return torch::layer_norm(x, {x.size(-1)}, w, b, eps);
}

torch::Tensor activate(const torch::Tensor& x, EncoderActivation act) {
  switch (act) {
    case EncoderActivation::gelu_new: {
      const double c = std::sqrt(2.0 / M_PI);
      return 0.5 * x * (1.0 + torch::tanh(c * (x + 0.044715 * torch::pow(x, 3.0))));
    }
    case EncoderActivation::relu:
      return torch::relu(x);
    case EncoderActivation::silu:
      return x * torch::sigmoid(x);
    case EncoderActivation::gelu:
      break;
  }
  return torch::gelu(x);
}

// Where the encoder's weights live: "" (BertModel), "bert." / "roberta." (task models).
std::string find_prefix(const CheckpointDir& checkpoint, const BertConfig& config) {
  const std::string probe = "embeddings.word_embeddings.weight";
  for (const std::string& prefix :
       {std::string(), config.model_type + ".", std::string("bert."), std::string("roberta.")}) {
    if (checkpoint.find(prefix + probe)) return prefix;
  }
  throw InputError(checkpoint.dir().string(), 0,
                   "no encoder weights: none of embeddings.word_embeddings.weight, " +
                       config.model_type + ".embeddings.word_embeddings.weight found");
}

// LayerNorm weights under their current names, or the gamma/beta of old checkpoints.
std::pair<torch::Tensor, torch::Tensor> load_norm(const CheckpointDir& checkpoint,
                                                  const std::string& name, std::int64_t size) {
  if (!checkpoint.find(name + ".weight") && checkpoint.find(name + ".gamma")) {
    return {load_f32(checkpoint, name + ".gamma", {size}),
            load_f32(checkpoint, name + ".beta", {size})};
  }
  return {load_f32(checkpoint, name + ".weight", {size}),
          load_f32(checkpoint, name + ".bias", {size})};
}

}  // namespace

BertModel BertModel::load(const CheckpointDir& checkpoint) {
  BertModel m;
  m.config_ =
      BertConfig::from_json(checkpoint.config(), (checkpoint.dir() / "config.json").string());
  const BertConfig& c = m.config_;
  const std::string p = find_prefix(checkpoint, c);
  const std::int64_t h = c.hidden_size;
  m.word_embeddings_ =
      load_f32(checkpoint, p + "embeddings.word_embeddings.weight", {c.vocab_size, h});
  m.position_embeddings_ = load_f32(checkpoint, p + "embeddings.position_embeddings.weight",
                                    {c.max_position_embeddings, h});
  if (c.type_vocab_size > 0) {
    m.token_type_embeddings_ =
        load_f32(checkpoint, p + "embeddings.token_type_embeddings.weight", {c.type_vocab_size, h});
  }
  std::tie(m.embed_norm_w_, m.embed_norm_b_) = load_norm(checkpoint, p + "embeddings.LayerNorm", h);
  for (std::int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::string q = p + "encoder.layer." + std::to_string(l) + ".";
    Layer layer;
    layer.q_w = load_f32(checkpoint, q + "attention.self.query.weight", {h, h});
    layer.q_b = load_f32(checkpoint, q + "attention.self.query.bias", {h});
    layer.k_w = load_f32(checkpoint, q + "attention.self.key.weight", {h, h});
    layer.k_b = load_f32(checkpoint, q + "attention.self.key.bias", {h});
    layer.v_w = load_f32(checkpoint, q + "attention.self.value.weight", {h, h});
    layer.v_b = load_f32(checkpoint, q + "attention.self.value.bias", {h});
    layer.attn_out_w = load_f32(checkpoint, q + "attention.output.dense.weight", {h, h});
    layer.attn_out_b = load_f32(checkpoint, q + "attention.output.dense.bias", {h});
    std::tie(layer.attn_norm_w, layer.attn_norm_b) =
        load_norm(checkpoint, q + "attention.output.LayerNorm", h);
    layer.inter_w = load_f32(checkpoint, q + "intermediate.dense.weight", {c.intermediate_size, h});
    layer.inter_b = load_f32(checkpoint, q + "intermediate.dense.bias", {c.intermediate_size});
    layer.out_w = load_f32(checkpoint, q + "output.dense.weight", {h, c.intermediate_size});
    layer.out_b = load_f32(checkpoint, q + "output.dense.bias", {h});
    std::tie(layer.out_norm_w, layer.out_norm_b) = load_norm(checkpoint, q + "output.LayerNorm", h);
    m.layers_.push_back(std::move(layer));
  }
  return m;
}

std::vector<std::pair<std::string, torch::Tensor>> BertModel::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out = {
      {"embeddings.word_embeddings.weight", word_embeddings_},
      {"embeddings.position_embeddings.weight", position_embeddings_},
  };
  if (token_type_embeddings_.defined()) {
    out.emplace_back("embeddings.token_type_embeddings.weight", token_type_embeddings_);
  }
  out.emplace_back("embeddings.LayerNorm.weight", embed_norm_w_);
  out.emplace_back("embeddings.LayerNorm.bias", embed_norm_b_);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& x = layers_[l];
    const std::string q = "encoder.layer." + std::to_string(l) + ".";
    const std::pair<const char*, const torch::Tensor*> named[] = {
        {"attention.self.query.weight", &x.q_w},
        {"attention.self.query.bias", &x.q_b},
        {"attention.self.key.weight", &x.k_w},
        {"attention.self.key.bias", &x.k_b},
        {"attention.self.value.weight", &x.v_w},
        {"attention.self.value.bias", &x.v_b},
        {"attention.output.dense.weight", &x.attn_out_w},
        {"attention.output.dense.bias", &x.attn_out_b},
        {"attention.output.LayerNorm.weight", &x.attn_norm_w},
        {"attention.output.LayerNorm.bias", &x.attn_norm_b},
        {"intermediate.dense.weight", &x.inter_w},
        {"intermediate.dense.bias", &x.inter_b},
        {"output.dense.weight", &x.out_w},
        {"output.dense.bias", &x.out_b},
        {"output.LayerNorm.weight", &x.out_norm_w},
        {"output.LayerNorm.bias", &x.out_norm_b},
    };
    for (const auto& [name, tensor] : named) out.emplace_back(q + name, *tensor);
  }
  return out;
}

torch::Tensor BertModel::layer_forward(const Layer& layer, const torch::Tensor& x,
                                       const torch::Tensor& additive_mask) const {
  const std::int64_t batch = x.size(0);
  const std::int64_t length = x.size(1);
  const std::int64_t heads = config_.num_attention_heads;
  const std::int64_t head_dim = config_.hidden_size / heads;
  auto split = [&](const torch::Tensor& t) {
    return t.view({batch, length, heads, head_dim}).transpose(1, 2);
  };
  const torch::Tensor q = split(affine(x, layer.q_w, layer.q_b));
  const torch::Tensor k = split(affine(x, layer.k_w, layer.k_b));
  const torch::Tensor v = split(affine(x, layer.v_w, layer.v_b));
  torch::Tensor scores =
      torch::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
  scores = scores + additive_mask;
  torch::Tensor probs = torch::softmax(scores, -1);
  probs = torch::dropout(probs, config_.attention_probs_dropout_prob, training_);
  const torch::Tensor context =
      torch::matmul(probs, v).transpose(1, 2).reshape({batch, length, config_.hidden_size});
  torch::Tensor attended = affine(context, layer.attn_out_w, layer.attn_out_b);
  attended = torch::dropout(attended, config_.hidden_dropout_prob, training_);
  attended = layer_norm(attended + x, layer.attn_norm_w, layer.attn_norm_b, config_.layer_norm_eps);
  torch::Tensor inner =
      activate(affine(attended, layer.inter_w, layer.inter_b), config_.hidden_act);
  torch::Tensor out = affine(inner, layer.out_w, layer.out_b);
  out = torch::dropout(out, config_.hidden_dropout_prob, training_);
  return layer_norm(out + attended, layer.out_norm_w, layer.out_norm_b, config_.layer_norm_eps);
}

std::vector<torch::Tensor> BertModel::forward(const torch::Tensor& ids, const torch::Tensor& mask,
                                              std::int64_t last_layer,
                                              const torch::Tensor& token_types) const {
  if (ids.dim() != 2 || mask.sizes() != ids.sizes()) {
    throw Error("BertModel::forward: ids and mask must both be [batch, length]");
  }
  const std::int64_t layers = static_cast<std::int64_t>(layers_.size());
  if (last_layer < 0) last_layer = layers;
  if (last_layer > layers) {
    throw UsageError("layer " + std::to_string(last_layer) + " requested, but the encoder has " +
                     std::to_string(layers) + " layers");
  }
  const std::int64_t length = ids.size(1);
  const torch::Tensor ids64 = ids.to(torch::kLong);
  if (ids64.numel() > 0 && (ids64.min().item<std::int64_t>() < 0 ||
                            ids64.max().item<std::int64_t>() >= config_.vocab_size)) {
    throw Error("BertModel::forward: token id outside the vocabulary of " +
                std::to_string(config_.vocab_size));
  }
  torch::Tensor positions;
  if (config_.roberta_positions()) {
    // RoBERTa numbers real tokens from pad_token_id + 1; padding keeps pad_token_id.
    const torch::Tensor real = ids64.ne(config_.pad_token_id).to(torch::kLong);
    positions = torch::cumsum(real, 1) * real + config_.pad_token_id;
  } else {
    positions = torch::arange(length, torch::kLong).unsqueeze(0).expand_as(ids64);
  }
  if (length > 0 && positions.max().item<std::int64_t>() >= config_.max_position_embeddings) {
    throw UsageError("input of " + std::to_string(length) + " tokens is longer than the " +
                     std::to_string(config_.max_input_length()) + " the encoder allows");
  }
  torch::Tensor x =
      torch::embedding(word_embeddings_, ids64) + torch::embedding(position_embeddings_, positions);
  if (token_types.defined()) {
    if (token_types.sizes() != ids.sizes()) {
      throw Error("BertModel::forward: token_types must be [batch, length] like ids");
    }
    const torch::Tensor types64 = token_types.to(torch::kLong);
    const std::int64_t types = token_type_embeddings_.defined() ? config_.type_vocab_size : 1;
    if (types64.numel() > 0 &&
        (types64.min().item<std::int64_t>() < 0 || types64.max().item<std::int64_t>() >= types)) {
      throw UsageError("token type id outside the encoder's " + std::to_string(types) +
                       " token types (type_vocab_size)");
    }
    if (token_type_embeddings_.defined()) x = x + torch::embedding(token_type_embeddings_, types64);
  } else if (token_type_embeddings_.defined()) {
    x = x + token_type_embeddings_[0];
  }
  x = layer_norm(x, embed_norm_w_, embed_norm_b_, config_.layer_norm_eps);
  x = torch::dropout(x, config_.hidden_dropout_prob, training_);

  // transformers adds the float32 minimum to the scores of padded keys.
  const torch::Tensor additive_mask =
      ((1.0 - mask.to(torch::kFloat)) * std::numeric_limits<float>::lowest())
          .view({ids.size(0), 1, 1, length});
  std::vector<torch::Tensor> hidden{x};
  for (std::int64_t l = 0; l < last_layer; ++l) {
    x = layer_forward(layers_[static_cast<std::size_t>(l)], x, additive_mask);
    hidden.push_back(x);
  }
  return hidden;
}

}  // namespace reasonrec::engine
