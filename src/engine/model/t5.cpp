#include "engine/model/t5.hpp"

#include <cmath>
#include <limits>

#include "engine/model/projection.hpp"
#include "engine/weights.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

namespace {

constexpr float mask_value = std::numeric_limits<float>::lowest();

// T5's LayerNorm: scale only, no mean subtraction, no bias.
torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& w, double eps) {
  const torch::Tensor variance = x.pow(2).mean(-1, true);
  return w * (x * torch::rsqrt(variance + eps));
}

torch::Tensor activate(const torch::Tensor& x, T5Config::Activation act) {
  switch (act) {
    case T5Config::Activation::gelu_new: {
      const double c = std::sqrt(2.0 / M_PI);
      return 0.5 * x * (1.0 + torch::tanh(c * (x + 0.044715 * torch::pow(x, 3.0))));
    }
    case T5Config::Activation::gelu:
      return torch::gelu(x);
    case T5Config::Activation::silu:
      return x * torch::sigmoid(x);
    case T5Config::Activation::relu:
      break;
  }
  return torch::relu(x);
}

torch::Tensor split_heads(const torch::Tensor& x, std::int64_t heads, std::int64_t d_kv) {
  return x.view({x.size(0), x.size(1), heads, d_kv}).transpose(1, 2);
}

torch::Tensor encoder_additive_mask(const torch::Tensor& mask) {
  return ((1.0 - mask.to(torch::kFloat)) * mask_value).view({mask.size(0), 1, 1, mask.size(1)});
}

}  // namespace

torch::Tensor t5_relative_position_bucket(const torch::Tensor& relative_position,
                                          bool bidirectional, std::int64_t num_buckets,
                                          std::int64_t max_distance) {
  torch::Tensor buckets = torch::zeros_like(relative_position);
  torch::Tensor rp = relative_position;
  if (bidirectional) {
    num_buckets /= 2;
    buckets = buckets + rp.gt(0).to(torch::kLong) * num_buckets;
    rp = rp.abs();
  } else {
    rp = -torch::clamp_max(rp, 0);
  }
  const std::int64_t max_exact = num_buckets / 2;
  const torch::Tensor is_small = rp.lt(max_exact);
  // Computed in float32 as transformers does, so the buckets agree at the boundaries.
  const torch::Tensor scaled =
      torch::log(torch::clamp_min(rp, 1).to(torch::kFloat) / static_cast<double>(max_exact)) /
      std::log(static_cast<double>(max_distance) / static_cast<double>(max_exact)) *
      static_cast<double>(num_buckets - max_exact);
  torch::Tensor large = scaled.to(torch::kLong) + max_exact;
  large = torch::clamp_max(large, num_buckets - 1);
  return buckets + torch::where(is_small, rp, large);
}

T5DecoderCache T5DecoderCache::select(const std::vector<std::int64_t>& rows) const {
  const torch::Tensor index =
      torch::tensor(std::vector<std::int64_t>(rows.begin(), rows.end()), torch::kLong);
  T5DecoderCache out;
  auto pick = [&](const std::vector<torch::Tensor>& from, std::vector<torch::Tensor>& to) {
    for (const torch::Tensor& t : from) to.push_back(t.index_select(0, index));
  };
  pick(self_keys, out.self_keys);
  pick(self_values, out.self_values);
  pick(cross_keys, out.cross_keys);
  pick(cross_values, out.cross_values);
  out.encoder_mask = encoder_mask.index_select(0, index);
  out.length = length;
  return out;
}

T5Model T5Model::load(const CheckpointDir& checkpoint) {
  T5Model m;
  m.config_ = T5Config::from_json(checkpoint.config(), (checkpoint.dir() / "config.json").string());
  const T5Config& c = m.config_;
  const std::int64_t d = c.d_model;
  const std::int64_t inner = c.inner_dim();
  const std::string shared_name =
      checkpoint.find("shared.weight") ? "shared.weight" : "encoder.embed_tokens.weight";
  m.shared_ = load_f32(checkpoint, shared_name, {c.vocab_size, d});
  if (c.tie_word_embeddings) {
    m.lm_head_ = m.shared_;
  } else {
    m.lm_head_ = load_f32(checkpoint, "lm_head.weight", {c.vocab_size, d});
  }
  auto attention = [&](const std::string& prefix) {
    return Attention{load_f32(checkpoint, prefix + ".q.weight", {inner, d}),
                     load_f32(checkpoint, prefix + ".k.weight", {inner, d}),
                     load_f32(checkpoint, prefix + ".v.weight", {inner, d}),
                     load_f32(checkpoint, prefix + ".o.weight", {d, inner})};
  };
  auto feed_forward = [&](const std::string& prefix) {
    FeedForward ff;
    if (c.gated) {
      ff.wi_0 = load_f32(checkpoint, prefix + ".wi_0.weight", {c.d_ff, d});
      ff.wi_1 = load_f32(checkpoint, prefix + ".wi_1.weight", {c.d_ff, d});
    } else {
      ff.wi = load_f32(checkpoint, prefix + ".wi.weight", {c.d_ff, d});
    }
    ff.wo = load_f32(checkpoint, prefix + ".wo.weight", {d, c.d_ff});
    return ff;
  };
  const std::vector<std::int64_t> bias_shape{c.relative_attention_num_buckets, c.num_heads};
  if (c.num_layers > 0) {
    m.encoder_bias_ =
        load_f32(checkpoint, "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                 bias_shape);
  }
  for (std::int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "encoder.block." + std::to_string(l) + ".layer.";
    EncoderBlock b;
    b.self_attention = attention(p + "0.SelfAttention");
    b.self_norm = load_f32(checkpoint, p + "0.layer_norm.weight", {d});
    b.ff = feed_forward(p + "1.DenseReluDense");
    b.ff_norm = load_f32(checkpoint, p + "1.layer_norm.weight", {d});
    m.encoder_.push_back(std::move(b));
  }
  m.encoder_final_norm_ = load_f32(checkpoint, "encoder.final_layer_norm.weight", {d});
  if (c.num_decoder_layers > 0) {
    m.decoder_bias_ =
        load_f32(checkpoint, "decoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight",
                 bias_shape);
  }
  for (std::int64_t l = 0; l < c.num_decoder_layers; ++l) {
    const std::string p = "decoder.block." + std::to_string(l) + ".layer.";
    DecoderBlock b;
    b.self_attention = attention(p + "0.SelfAttention");
    b.self_norm = load_f32(checkpoint, p + "0.layer_norm.weight", {d});
    b.cross_attention = attention(p + "1.EncDecAttention");
    b.cross_norm = load_f32(checkpoint, p + "1.layer_norm.weight", {d});
    b.ff = feed_forward(p + "2.DenseReluDense");
    b.ff_norm = load_f32(checkpoint, p + "2.layer_norm.weight", {d});
    m.decoder_.push_back(std::move(b));
  }
  m.decoder_final_norm_ = load_f32(checkpoint, "decoder.final_layer_norm.weight", {d});
  m.matvec_ = std::make_shared<MatVec>();
  return m;
}

std::vector<std::pair<std::string, torch::Tensor>> T5Model::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out{{"shared.weight", shared_}};
  auto attention = [&](const std::string& p, const Attention& a) {
    out.emplace_back(p + ".q.weight", a.q);
    out.emplace_back(p + ".k.weight", a.k);
    out.emplace_back(p + ".v.weight", a.v);
    out.emplace_back(p + ".o.weight", a.o);
  };
  auto feed_forward = [&](const std::string& p, const FeedForward& ff) {
    if (config_.gated) {
      out.emplace_back(p + ".wi_0.weight", ff.wi_0);
      out.emplace_back(p + ".wi_1.weight", ff.wi_1);
    } else {
      out.emplace_back(p + ".wi.weight", ff.wi);
    }
    out.emplace_back(p + ".wo.weight", ff.wo);
  };
  for (std::size_t l = 0; l < encoder_.size(); ++l) {
    const std::string p = "encoder.block." + std::to_string(l) + ".layer.";
    attention(p + "0.SelfAttention", encoder_[l].self_attention);
    if (l == 0)
      out.emplace_back(p + "0.SelfAttention.relative_attention_bias.weight", encoder_bias_);
    out.emplace_back(p + "0.layer_norm.weight", encoder_[l].self_norm);
    feed_forward(p + "1.DenseReluDense", encoder_[l].ff);
    out.emplace_back(p + "1.layer_norm.weight", encoder_[l].ff_norm);
  }
  out.emplace_back("encoder.final_layer_norm.weight", encoder_final_norm_);
  for (std::size_t l = 0; l < decoder_.size(); ++l) {
    const std::string p = "decoder.block." + std::to_string(l) + ".layer.";
    attention(p + "0.SelfAttention", decoder_[l].self_attention);
    if (l == 0)
      out.emplace_back(p + "0.SelfAttention.relative_attention_bias.weight", decoder_bias_);
    out.emplace_back(p + "0.layer_norm.weight", decoder_[l].self_norm);
    attention(p + "1.EncDecAttention", decoder_[l].cross_attention);
    out.emplace_back(p + "1.layer_norm.weight", decoder_[l].cross_norm);
    feed_forward(p + "2.DenseReluDense", decoder_[l].ff);
    out.emplace_back(p + "2.layer_norm.weight", decoder_[l].ff_norm);
  }
  out.emplace_back("decoder.final_layer_norm.weight", decoder_final_norm_);
  if (!config_.tie_word_embeddings) out.emplace_back("lm_head.weight", lm_head_);
  return out;
}

torch::Tensor T5Model::position_bias(std::int64_t query_start, std::int64_t query_length,
                                     std::int64_t key_length, bool bidirectional) const {
  const torch::Tensor context =
      torch::arange(query_start, query_start + query_length, torch::kLong).unsqueeze(1);
  const torch::Tensor memory = torch::arange(key_length, torch::kLong).unsqueeze(0);
  const torch::Tensor buckets = t5_relative_position_bucket(
      memory - context, bidirectional, config_.relative_attention_num_buckets,
      config_.relative_attention_max_distance);
  const torch::Tensor& table = bidirectional ? encoder_bias_ : decoder_bias_;
  // [q, k, heads] -> [1, heads, q, k]
  return torch::embedding(table, buckets).permute({2, 0, 1}).unsqueeze(0);
}

torch::Tensor T5Model::project(const torch::Tensor& x, const torch::Tensor& w) const {
  return project_all(x, {{w, torch::Tensor()}})[0];
}

std::vector<torch::Tensor> T5Model::project_all(
    const torch::Tensor& x, std::initializer_list<WeightAndBias> weights) const {
  std::vector<torch::Tensor> out = engine::project(matvec_.get(), x, weights);
  if (adapters_) {
    std::size_t i = 0;
    for (const auto& [weight, bias] : weights) {
      out[i] = adapters_->apply(weight, x, out[i], training_);
      ++i;
    }
  }
  return out;
}

torch::Tensor T5Model::feed_forward(const FeedForward& ff, const torch::Tensor& x) const {
  torch::Tensor h;
  if (config_.gated) {
    const auto both = project_all(x, {{ff.wi_0, {}}, {ff.wi_1, {}}});
    h = activate(both[0], config_.activation) * both[1];
  } else {
    h = activate(project(x, ff.wi), config_.activation);
  }
  h = torch::dropout(h, config_.dropout_rate, training_);
  return project(h, ff.wo);
}

namespace {

torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                     const torch::Tensor& bias, double dropout, bool training) {
  // T5 does not scale the scores (the scale is folded into the initialisation).
  torch::Tensor scores = torch::matmul(q, k.transpose(-1, -2)) + bias;
  torch::Tensor probs = torch::softmax(scores, -1);
  probs = torch::dropout(probs, dropout, training);
  const torch::Tensor context = torch::matmul(probs, v);  // [B, heads, T, d_kv]
  return context.transpose(1, 2).reshape({q.size(0), q.size(2), -1});
}

}  // namespace

torch::Tensor T5Model::encode(const torch::Tensor& ids, const torch::Tensor& mask) const {
  if (ids.dim() != 2 || mask.sizes() != ids.sizes()) {
    throw Error("T5Model::encode: ids and mask must both be [batch, length]");
  }
  const torch::Tensor ids64 = ids.to(torch::kLong);
  if (ids64.numel() > 0 && (ids64.min().item<std::int64_t>() < 0 ||
                            ids64.max().item<std::int64_t>() >= config_.vocab_size)) {
    throw Error("T5Model: token id outside the vocabulary of " +
                std::to_string(config_.vocab_size));
  }
  const std::int64_t length = ids.size(1);
  torch::Tensor x = torch::embedding(shared_, ids64);
  x = torch::dropout(x, config_.dropout_rate, training_);
  torch::Tensor bias;
  if (!encoder_.empty()) {
    bias = position_bias(0, length, length, true) + encoder_additive_mask(mask);
  }
  const std::int64_t h = config_.num_heads;
  const std::int64_t dk = config_.d_kv;
  for (const EncoderBlock& b : encoder_) {
    const torch::Tensor n = rms_norm(x, b.self_norm, config_.layer_norm_epsilon);
    const torch::Tensor a = attend(split_heads(project(n, b.self_attention.q), h, dk),
                                   split_heads(project(n, b.self_attention.k), h, dk),
                                   split_heads(project(n, b.self_attention.v), h, dk), bias,
                                   config_.dropout_rate, training_);
    x = x + torch::dropout(project(a, b.self_attention.o), config_.dropout_rate, training_);
    const torch::Tensor f = feed_forward(b.ff, rms_norm(x, b.ff_norm, config_.layer_norm_epsilon));
    x = x + torch::dropout(f, config_.dropout_rate, training_);
  }
  x = rms_norm(x, encoder_final_norm_, config_.layer_norm_epsilon);
  return torch::dropout(x, config_.dropout_rate, training_);
}

T5DecoderCache T5Model::start_decoder(const torch::Tensor& encoder_output,
                                      const torch::Tensor& encoder_mask) const {
  T5DecoderCache cache;
  cache.encoder_mask = encoder_mask.to(torch::kLong);
  const std::int64_t batch = encoder_output.size(0);
  const std::int64_t h = config_.num_heads;
  const std::int64_t dk = config_.d_kv;
  for (const DecoderBlock& b : decoder_) {
    cache.cross_keys.push_back(split_heads(project(encoder_output, b.cross_attention.k), h, dk));
    cache.cross_values.push_back(split_heads(project(encoder_output, b.cross_attention.v), h, dk));
    cache.self_keys.push_back(torch::zeros({batch, h, 0, dk}));
    cache.self_values.push_back(torch::zeros({batch, h, 0, dk}));
  }
  return cache;
}

torch::Tensor T5Model::decode(const torch::Tensor& ids, T5DecoderCache& cache) const {
  if (ids.dim() != 2 || ids.size(0) != cache.encoder_mask.size(0)) {
    throw Error("T5Model::decode: ids must be [batch, length] with the cache's batch");
  }
  const torch::Tensor ids64 = ids.to(torch::kLong);
  if (ids64.numel() > 0 && (ids64.min().item<std::int64_t>() < 0 ||
                            ids64.max().item<std::int64_t>() >= config_.vocab_size)) {
    throw Error("T5Model: token id outside the vocabulary of " +
                std::to_string(config_.vocab_size));
  }
  const std::int64_t past = cache.length;
  const std::int64_t steps = ids.size(1);
  const std::int64_t total = past + steps;
  torch::Tensor x = torch::embedding(shared_, ids64);
  x = torch::dropout(x, config_.dropout_rate, training_);

  torch::Tensor self_bias;
  if (!decoder_.empty()) {
    // Causal: query at position past + i sees keys 0..past + i.
    const torch::Tensor query = torch::arange(past, total, torch::kLong).unsqueeze(1);
    const torch::Tensor key = torch::arange(total, torch::kLong).unsqueeze(0);
    const torch::Tensor causal =
        torch::where(key.gt(query), torch::full({}, mask_value), torch::zeros({}));
    self_bias = position_bias(past, steps, total, false) + causal.view({1, 1, steps, total});
  }
  const torch::Tensor cross_bias = encoder_additive_mask(cache.encoder_mask);
  const std::int64_t h = config_.num_heads;
  const std::int64_t dk = config_.d_kv;
  for (std::size_t l = 0; l < decoder_.size(); ++l) {
    const DecoderBlock& b = decoder_[l];
    const torch::Tensor n = rms_norm(x, b.self_norm, config_.layer_norm_epsilon);
    const Attention& self = b.self_attention;
    const auto qkv = project_all(n, {{self.q, {}}, {self.k, {}}, {self.v, {}}});
    cache.self_keys[l] = torch::cat({cache.self_keys[l], split_heads(qkv[1], h, dk)}, 2);
    cache.self_values[l] = torch::cat({cache.self_values[l], split_heads(qkv[2], h, dk)}, 2);
    const torch::Tensor a =
        attend(split_heads(qkv[0], h, dk), cache.self_keys[l], cache.self_values[l], self_bias,
               config_.dropout_rate, training_);
    x = x + torch::dropout(project(a, b.self_attention.o), config_.dropout_rate, training_);
    const torch::Tensor cn = rms_norm(x, b.cross_norm, config_.layer_norm_epsilon);
    const torch::Tensor ca =
        attend(split_heads(project(cn, b.cross_attention.q), h, dk), cache.cross_keys[l],
               cache.cross_values[l], cross_bias, config_.dropout_rate, training_);
    x = x + torch::dropout(project(ca, b.cross_attention.o), config_.dropout_rate, training_);
    const torch::Tensor f = feed_forward(b.ff, rms_norm(x, b.ff_norm, config_.layer_norm_epsilon));
    x = x + torch::dropout(f, config_.dropout_rate, training_);
  }
  cache.length = total;
  x = rms_norm(x, decoder_final_norm_, config_.layer_norm_epsilon);
  x = torch::dropout(x, config_.dropout_rate, training_);
  if (config_.tie_word_embeddings) {
    x = x * std::pow(static_cast<double>(config_.d_model), -0.5);
  }
  return project(x, lm_head_);
}

torch::Tensor T5Model::forward(const torch::Tensor& ids, const torch::Tensor& mask,
                               const torch::Tensor& decoder_ids) const {
  T5DecoderCache cache = start_decoder(encode(ids, mask), mask);
  return decode(decoder_ids, cache);
}

}  // namespace reasonrec::engine
