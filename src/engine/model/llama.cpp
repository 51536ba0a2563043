#include "engine/model/llama.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <numbers>

#include "engine/weights.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

std::string shape_text(at::IntArrayRef shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

torch::Tensor rms_norm(const torch::Tensor& x, const torch::Tensor& weight, double eps) {
  return x * torch::rsqrt(x.pow(2).mean(-1, true) + eps) * weight;
}

torch::Tensor rotate_half(const torch::Tensor& x) {
  const std::int64_t half = x.size(-1) / 2;
  return torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
}

// Base inverse frequencies theta^(-2j/d), in float32 as transformers computes them.
std::vector<float> base_inv_freq(double theta, std::int64_t head_dim) {
  std::vector<float> out(static_cast<std::size_t>(head_dim / 2));
  for (std::size_t j = 0; j < out.size(); ++j) {
    const float exponent = static_cast<float>(2 * j) / static_cast<float>(head_dim);
    out[j] = 1.0f / std::pow(static_cast<float>(theta), exponent);
  }
  return out;
}

std::vector<float> scaled_inv_freq(const LlamaConfig& c, float& attention_factor) {
  std::vector<float> inv = base_inv_freq(c.rope_theta, c.head_dim);
  const RopeScaling& s = c.rope_scaling;
  attention_factor = 1.0f;
  switch (s.kind) {
    case RopeScaling::Kind::None:
    case RopeScaling::Kind::Dynamic:  // depends on the sequence length: see rotary()
      break;
    case RopeScaling::Kind::Linear:
      for (float& f : inv) f = static_cast<float>(f / s.factor);
      break;
    case RopeScaling::Kind::Llama3: {
      const double original = static_cast<double>(s.original_max_position_embeddings);
      const double low_wavelen = original / s.low_freq_factor;
      const double high_wavelen = original / s.high_freq_factor;
      for (float& f : inv) {
        const double wavelen = 2.0 * std::numbers::pi / f;
        if (wavelen < high_wavelen) continue;
        if (wavelen > low_wavelen) {
          f = static_cast<float>(f / s.factor);
        } else {
          const double smooth =
              (original / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
          f = static_cast<float>((1.0 - smooth) * f / s.factor + smooth * f);
        }
      }
      break;
    }
    case RopeScaling::Kind::Yarn: {
      const double dim = static_cast<double>(c.head_dim);
      const double original = static_cast<double>(s.original_max_position_embeddings > 0
                                                      ? s.original_max_position_embeddings
                                                      : c.max_position_embeddings);
      auto correction_dim = [&](double rotations) {
        return dim * std::log(original / (rotations * 2.0 * std::numbers::pi)) /
               (2.0 * std::log(c.rope_theta));
      };
      double low = std::max(0.0, std::floor(correction_dim(s.beta_fast)));
      double high = std::min(dim - 1.0, std::ceil(correction_dim(s.beta_slow)));
      if (low == high) high += 0.001;
      for (std::size_t j = 0; j < inv.size(); ++j) {
        const double ramp = std::clamp((static_cast<double>(j) - low) / (high - low), 0.0, 1.0);
        const double extrapolation = 1.0 - ramp;
        const double interpolated = inv[j] / s.factor;
        inv[j] = static_cast<float>(interpolated * (1.0 - extrapolation) + inv[j] * extrapolation);
      }
      attention_factor = static_cast<float>(
          s.attention_factor ? *s.attention_factor
                             : (s.factor > 1.0 ? 0.1 * std::log(s.factor) + 1.0 : 1.0));
      break;
    }
  }
  return inv;
}

torch::Tensor apply_dropout(const torch::Tensor& x, double p, bool training) {
  return training && p > 0.0 ? torch::dropout(x, p, true) : x;
}

}  // namespace

void configure_cpu_threads() {
  static std::once_flag once;
  std::call_once(once, [] { at::set_num_threads(1); });
}

// ---------------------------------------------------------------------------------------------
KvCache::KvCache(const LlamaConfig& config, std::int64_t batch, std::int64_t capacity) {
  capacity = std::max<std::int64_t>(capacity, 1);
  for (std::int64_t l = 0; l < config.num_hidden_layers; ++l) {
    keys_.push_back(torch::zeros({batch, config.num_key_value_heads, capacity, config.head_dim}));
    values_.push_back(torch::zeros({batch, config.num_key_value_heads, capacity, config.head_dim}));
  }
  valid_ = torch::zeros({batch, capacity}, torch::kBool);
  positions_ = torch::zeros({batch, capacity}, torch::kInt64);
}

void KvCache::ensure_capacity(std::int64_t needed) {
  if (needed <= capacity()) return;
  const std::int64_t grown = std::max(needed, 2 * capacity());
  auto grow = [&](torch::Tensor& t) {
    auto sizes = t.sizes().vec();
    const std::size_t dim = sizes.size() == 4 ? 2 : 1;
    sizes[dim] = grown;
    torch::Tensor bigger = torch::zeros(sizes, t.options());
    bigger.narrow(static_cast<std::int64_t>(dim), 0, length_)
        .copy_(t.narrow(static_cast<std::int64_t>(dim), 0, length_));
    t = bigger;
  };
  for (auto& k : keys_) grow(k);
  for (auto& v : values_) grow(v);
  grow(valid_);
  grow(positions_);
}

KvCache KvCache::select(const std::vector<std::int64_t>& rows) const {
  const torch::Tensor index = torch::tensor(rows, torch::kInt64);
  KvCache out;
  out.length_ = length_;
  for (const auto& k : keys_) out.keys_.push_back(k.index_select(0, index));
  for (const auto& v : values_) out.values_.push_back(v.index_select(0, index));
  out.valid_ = valid_.index_select(0, index);
  out.positions_ = positions_.index_select(0, index);
  return out;
}

KvCache KvCache::concat(const std::vector<KvCache>& parts, std::int64_t headroom) {
  if (parts.empty()) throw Error("no KV caches to join");
  std::int64_t length = 0, rows = 0;
  for (const KvCache& part : parts) {
    if (part.keys_.size() != parts.front().keys_.size()) {
      throw Error("KV caches of different models cannot be joined");
    }
    length = std::max(length, part.length_);
    rows += part.batch();
  }
  const std::int64_t capacity =
      std::max<std::int64_t>(length + std::max<std::int64_t>(headroom, 0), 1);
  // A tensor of the joined cache from the same tensor of every part: each part's first
  // length_ columns (along `dim`) end at column `length` of its rows.
  auto join = [&](const torch::Tensor& like, std::int64_t dim, auto&& tensor_of) {
    auto sizes = like.sizes().vec();
    sizes[0] = rows;
    sizes[static_cast<std::size_t>(dim)] = capacity;
    torch::Tensor into = torch::zeros(sizes, like.options());
    std::int64_t row = 0;
    for (const KvCache& part : parts) {
      into.narrow(0, row, part.batch())
          .narrow(dim, length - part.length_, part.length_)
          .copy_(tensor_of(part).narrow(dim, 0, part.length_));
      row += part.batch();
    }
    return into;
  };
  KvCache out;
  out.length_ = length;
  for (std::size_t l = 0; l < parts.front().keys_.size(); ++l) {
    out.keys_.push_back(
        join(parts.front().keys_[l], 2,
             [&](const KvCache& part) -> const torch::Tensor& { return part.keys_[l]; }));
    out.values_.push_back(
        join(parts.front().values_[l], 2,
             [&](const KvCache& part) -> const torch::Tensor& { return part.values_[l]; }));
  }
  out.valid_ = join(parts.front().valid_, 1,
                    [](const KvCache& part) -> const torch::Tensor& { return part.valid_; });
  out.positions_ =
      join(parts.front().positions_, 1,
           [](const KvCache& part) -> const torch::Tensor& { return part.positions_; });
  return out;
}

KvCache KvCache::without_unused_columns(std::int64_t headroom) const {
  const torch::Tensor used = valid_.narrow(1, 0, length_).any(0);
  const torch::Tensor kept = used.nonzero().view({-1});
  const std::int64_t count = kept.size(0);
  if (count == length_) return *this;
  const std::int64_t capacity =
      std::max<std::int64_t>(count + std::max<std::int64_t>(headroom, 0), 1);
  KvCache out;
  out.length_ = count;
  auto gather = [&](const torch::Tensor& from, std::int64_t dim) {
    auto sizes = from.sizes().vec();
    sizes[static_cast<std::size_t>(dim)] = capacity;
    torch::Tensor into = torch::zeros(sizes, from.options());
    into.narrow(dim, 0, count).copy_(from.index_select(dim, kept));
    return into;
  };
  for (const auto& k : keys_) out.keys_.push_back(gather(k, 2));
  for (const auto& v : values_) out.values_.push_back(gather(v, 2));
  out.valid_ = gather(valid_, 1);
  out.positions_ = gather(positions_, 1);
  return out;
}

KvCache KvCache::prefix(std::int64_t columns, std::int64_t capacity) const {
  columns = std::clamp<std::int64_t>(columns, 0, length_);
  capacity = std::max<std::int64_t>({capacity, columns, 1});
  KvCache out;
  out.length_ = columns;
  auto copy = [&](const torch::Tensor& from, std::int64_t dim) {
    auto sizes = from.sizes().vec();
    sizes[static_cast<std::size_t>(dim)] = capacity;
    torch::Tensor into = torch::zeros(sizes, from.options());
    into.narrow(dim, 0, columns).copy_(from.narrow(dim, 0, columns));
    return into;
  };
  for (const auto& k : keys_) out.keys_.push_back(copy(k, 2));
  for (const auto& v : values_) out.values_.push_back(copy(v, 2));
  out.valid_ = copy(valid_, 1);
  out.positions_ = copy(positions_, 1);
  return out;
}

std::size_t KvCache::bytes() const {
  std::size_t total = 0;
  for (const auto& k : keys_) total += k.nbytes();
  for (const auto& v : values_) total += v.nbytes();
  return total;
}

// ---------------------------------------------------------------------------------------------
LlamaModel LlamaModel::from_tensors(
    LlamaConfig config, const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
    const std::string& source) {
  std::map<std::string, torch::Tensor, std::less<>> by_name(tensors.begin(), tensors.end());
  return build(std::move(config), [&](const std::string& name, std::vector<std::int64_t> shape) {
    auto it = by_name.find(name);
    if (it == by_name.end()) throw InputError(source, 0, "tensor " + name + " not found");
    if (it->second.sizes().vec() != shape) {
      throw InputError(source, 0,
                       "tensor " + name + " has shape " + shape_text(it->second.sizes()) +
                           ", expected " + shape_text(shape));
    }
    return it->second.to(torch::kFloat32).contiguous();
  });
}

LlamaModel LlamaModel::build(LlamaConfig config, const TensorSource& take) {
  LlamaModel m;
  m.config_ = std::move(config);
  const LlamaConfig& c = m.config_;
  const std::int64_t D = c.hidden_size, I = c.intermediate_size;
  const std::int64_t Q = c.num_attention_heads * c.head_dim,
                     KV = c.num_key_value_heads * c.head_dim;
  m.embed_ = take("model.embed_tokens.weight", {c.vocab_size, D});
  m.final_norm_ = take("model.norm.weight", {D});
  m.lm_head_ = c.tie_word_embeddings ? m.embed_ : take("lm_head.weight", {c.vocab_size, D});
  for (std::int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    Layer layer;
    layer.input_norm = take(p + "input_layernorm.weight", {D});
    layer.post_norm = take(p + "post_attention_layernorm.weight", {D});
    layer.q_w = take(p + "self_attn.q_proj.weight", {Q, D});
    layer.k_w = take(p + "self_attn.k_proj.weight", {KV, D});
    layer.v_w = take(p + "self_attn.v_proj.weight", {KV, D});
    layer.o_w = take(p + "self_attn.o_proj.weight", {D, Q});
    if (c.qkv_bias) {
      layer.q_b = take(p + "self_attn.q_proj.bias", {Q});
      layer.k_b = take(p + "self_attn.k_proj.bias", {KV});
      layer.v_b = take(p + "self_attn.v_proj.bias", {KV});
    }
    if (c.o_bias) layer.o_b = take(p + "self_attn.o_proj.bias", {D});
    layer.gate_w = take(p + "mlp.gate_proj.weight", {I, D});
    layer.up_w = take(p + "mlp.up_proj.weight", {I, D});
    layer.down_w = take(p + "mlp.down_proj.weight", {D, I});
    if (c.mlp_bias) {
      layer.gate_b = take(p + "mlp.gate_proj.bias", {I});
      layer.up_b = take(p + "mlp.up_proj.bias", {I});
      layer.down_b = take(p + "mlp.down_proj.bias", {D});
    }
    m.layers_.push_back(std::move(layer));
  }
  m.inv_freq_ = scaled_inv_freq(c, m.attention_factor_);
  m.matvec_ = std::make_shared<MatVec>();
  return m;
}

void LlamaModel::set_matvec(bool enabled) {
  if (enabled != static_cast<bool>(matvec_))
    matvec_ = enabled ? std::make_shared<MatVec>() : nullptr;
}

LlamaModel LlamaModel::load(const CheckpointDir& checkpoint) {
  configure_cpu_threads();
  LlamaConfig config =
      LlamaConfig::from_json(checkpoint.config(), (checkpoint.dir() / "config.json").string());
  return build(std::move(config), [&](const std::string& name, std::vector<std::int64_t> shape) {
    return load_f32(checkpoint, name, std::move(shape));
  });
}

void LlamaModel::save(const std::filesystem::path& dir) const {
  save_checkpoint(dir, named_parameters(), config_.to_json());
}

LlamaModel LlamaModel::random(LlamaConfig config, std::uint64_t seed, double std) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  const LlamaConfig& c = config;
  auto matrix = [&](const std::string& name, std::vector<std::int64_t> shape) {
    tensors.emplace_back(name, torch::randn(shape, gen) * std);
  };
  auto norm = [&](const std::string& name) {
    tensors.emplace_back(name, 1.0 + 0.1 * torch::randn({c.hidden_size}, gen));
  };
  const std::int64_t D = c.hidden_size, I = c.intermediate_size;
  const std::int64_t Q = c.num_attention_heads * c.head_dim,
                     KV = c.num_key_value_heads * c.head_dim;
  matrix("model.embed_tokens.weight", {c.vocab_size, D});
  for (std::int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    norm(p + "input_layernorm.weight");
    norm(p + "post_attention_layernorm.weight");
    matrix(p + "self_attn.q_proj.weight", {Q, D});
    matrix(p + "self_attn.k_proj.weight", {KV, D});
    matrix(p + "self_attn.v_proj.weight", {KV, D});
    matrix(p + "self_attn.o_proj.weight", {D, Q});
    if (c.qkv_bias) {
      matrix(p + "self_attn.q_proj.bias", {Q});
      matrix(p + "self_attn.k_proj.bias", {KV});
      matrix(p + "self_attn.v_proj.bias", {KV});
    }
    if (c.o_bias) matrix(p + "self_attn.o_proj.bias", {D});
    matrix(p + "mlp.gate_proj.weight", {I, D});
    matrix(p + "mlp.up_proj.weight", {I, D});
    matrix(p + "mlp.down_proj.weight", {D, I});
    if (c.mlp_bias) {
      matrix(p + "mlp.gate_proj.bias", {I});
      matrix(p + "mlp.up_proj.bias", {I});
      matrix(p + "mlp.down_proj.bias", {D});
    }
  }
  norm("model.norm.weight");
  if (!c.tie_word_embeddings) matrix("lm_head.weight", {c.vocab_size, D});
  return from_tensors(std::move(config), tensors, "<random>");
}

std::vector<std::pair<std::string, torch::Tensor>> LlamaModel::named_parameters() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  out.emplace_back("model.embed_tokens.weight", embed_);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    const std::string p = "model.layers." + std::to_string(l) + ".";
    auto add = [&](const char* name, const torch::Tensor& t) {
      if (t.defined()) out.emplace_back(p + name, t);
    };
    add("input_layernorm.weight", layer.input_norm);
    add("self_attn.q_proj.weight", layer.q_w);
    add("self_attn.q_proj.bias", layer.q_b);
    add("self_attn.k_proj.weight", layer.k_w);
    add("self_attn.k_proj.bias", layer.k_b);
    add("self_attn.v_proj.weight", layer.v_w);
    add("self_attn.v_proj.bias", layer.v_b);
    add("self_attn.o_proj.weight", layer.o_w);
    add("self_attn.o_proj.bias", layer.o_b);
    add("post_attention_layernorm.weight", layer.post_norm);
    add("mlp.gate_proj.weight", layer.gate_w);
    add("mlp.gate_proj.bias", layer.gate_b);
    add("mlp.up_proj.weight", layer.up_w);
    add("mlp.up_proj.bias", layer.up_b);
    add("mlp.down_proj.weight", layer.down_w);
    add("mlp.down_proj.bias", layer.down_b);
  }
  out.emplace_back("model.norm.weight", final_norm_);
  if (!config_.tie_word_embeddings) out.emplace_back("lm_head.weight", lm_head_);
  return out;
}

std::pair<torch::Tensor, torch::Tensor> LlamaModel::rotary(const torch::Tensor& positions) const {
  const torch::Tensor pos = positions.to(torch::kInt64).contiguous();
  const std::int64_t B = pos.size(0), T = pos.size(1), dim = config_.head_dim, half = dim / 2;
  torch::Tensor cos = torch::empty({B, T, dim});
  torch::Tensor sin = torch::empty({B, T, dim});
  const std::int64_t* p = pos.data_ptr<std::int64_t>();
  float* c = cos.data_ptr<float>();
  float* s = sin.data_ptr<float>();
  const RopeScaling& scaling = config_.rope_scaling;
  for (std::int64_t b = 0; b < B; ++b) {
    const std::vector<float>* freq = &inv_freq_;
    std::vector<float> dynamic;
    if (scaling.kind == RopeScaling::Kind::Dynamic) {
      // NTK-aware: grow the base once this sequence passes the trained context.
      std::int64_t seq_len = 0;
      for (std::int64_t t = 0; t < T; ++t) seq_len = std::max(seq_len, p[b * T + t] + 1);
      const double max_pos = static_cast<double>(config_.max_position_embeddings);
      const double len = std::max(static_cast<double>(seq_len), max_pos);
      const double base =
          config_.rope_theta * std::pow(scaling.factor * len / max_pos - (scaling.factor - 1.0),
                                        static_cast<double>(dim) / static_cast<double>(dim - 2));
      dynamic = base_inv_freq(base, dim);
      freq = &dynamic;
    }
    for (std::int64_t t = 0; t < T; ++t) {
      const float position = static_cast<float>(p[b * T + t]);
      float* crow = c + (b * T + t) * dim;
      float* srow = s + (b * T + t) * dim;
      for (std::int64_t j = 0; j < half; ++j) {
        const float angle = position * (*freq)[static_cast<std::size_t>(j)];
        crow[j] = crow[j + half] = std::cos(angle) * attention_factor_;
        srow[j] = srow[j + half] = std::sin(angle) * attention_factor_;
      }
    }
  }
  return {cos.unsqueeze(1), sin.unsqueeze(1)};
}

torch::Tensor LlamaModel::attention(const Layer& layer, const torch::Tensor& x,
                                    const torch::Tensor& cos, const torch::Tensor& sin,
                                    const torch::Tensor& mask, std::size_t index,
                                    KvCache& cache) const {
  const std::int64_t B = x.size(0), T = x.size(1);
  const std::int64_t H = config_.num_attention_heads, G = config_.num_key_value_heads;
  const std::int64_t hd = config_.head_dim, rep = H / G;
  const auto qkv =
      project(x, {{layer.q_w, layer.q_b}, {layer.k_w, layer.k_b}, {layer.v_w, layer.v_b}});
  torch::Tensor q = qkv[0].view({B, T, H, hd}).transpose(1, 2);
  torch::Tensor k = qkv[1].view({B, T, G, hd}).transpose(1, 2);
  torch::Tensor v = qkv[2].view({B, T, G, hd}).transpose(1, 2);
  q = q * cos + rotate_half(q) * sin;
  k = k * cos + rotate_half(k) * sin;

  const std::int64_t start = cache.length_, total = start + T;
  torch::Tensor& keys = cache.keys_[index];
  torch::Tensor& values = cache.values_[index];
  torch::Tensor all_k, all_v;
  if (torch::GradMode::is_enabled()) {
    // Training: keep the graph (no in-place writes into the cache's storage).
    all_k = torch::cat({keys.narrow(2, 0, start), k}, 2);
    all_v = torch::cat({values.narrow(2, 0, start), v}, 2);
    keys.narrow(2, start, T).copy_(k.detach());
    values.narrow(2, start, T).copy_(v.detach());
  } else {
    keys.narrow(2, start, T).copy_(k);
    values.narrow(2, start, T).copy_(v);
    all_k = keys.narrow(2, 0, total);
    all_v = values.narrow(2, 0, total);
  }
  // Query heads sharing a key/value head attend together: [B, G, rep*T, hd].
  const torch::Tensor grouped = q.reshape({B, G, rep * T, hd});
  torch::Tensor scores =
      torch::matmul(grouped, all_k.transpose(2, 3)) * (1.0 / std::sqrt(static_cast<double>(hd)));
  if (mask.defined()) scores = scores + mask;
  torch::Tensor probs = torch::softmax(scores, -1);
  probs = apply_dropout(probs, dropout_.attention, dropout_.training);
  const torch::Tensor out =
      torch::matmul(probs, all_v).view({B, H, T, hd}).transpose(1, 2).reshape({B, T, H * hd});
  return project(out, {{layer.o_w, layer.o_b}})[0];
}

torch::Tensor LlamaModel::forward(const torch::Tensor& tokens, const torch::Tensor& positions,
                                  const torch::Tensor& valid, KvCache& cache) const {
  const std::int64_t B = tokens.size(0), T = tokens.size(1);
  if (cache.batch() != B) {
    throw Error("KV cache holds " + std::to_string(cache.batch()) + " sequences, batch has " +
                std::to_string(B));
  }
  const std::int64_t start = cache.length_, total = start + T;
  cache.ensure_capacity(total);
  cache.valid_.narrow(1, start, T).copy_(valid.to(torch::kBool));
  cache.positions_.narrow(1, start, T).copy_(positions.to(torch::kInt64));

  // Positions count real tokens and columns count every token, so no key is farther back in
  // positions than in columns: the window can only exclude a key once there are more columns.
  const std::int64_t window = config_.sliding_window.value_or(0);
  const bool windowed = window > 0 && total > window &&
                        config_.window_first_layer < static_cast<std::int64_t>(layers_.size());
  const torch::Tensor key_valid = cache.valid_.narrow(1, 0, total);
  const bool padded = !key_valid.all().item<bool>();
  torch::Tensor mask, window_mask;  // undefined: every key is allowed
  if (T > 1 || padded || windowed) {
    const torch::Tensor key_index = torch::arange(total, torch::kInt64).unsqueeze(0);  // [1, L]
    const torch::Tensor query_index =
        torch::arange(start, total, torch::kInt64).unsqueeze(1);  // [T, 1]
    // Every query may see itself so that padding rows stay finite.
    const torch::Tensor itself = (key_index == query_index).unsqueeze(0);
    // Causal, real keys only: [B, T, L].
    const torch::Tensor allowed = (key_index <= query_index).unsqueeze(0) & key_valid.unsqueeze(1);
    const std::int64_t rep = config_.num_attention_heads / config_.num_key_value_heads;
    auto additive = [&](const torch::Tensor& keep) {
      return torch::zeros({B, T, total})
          .masked_fill((keep | itself).logical_not(), -std::numeric_limits<float>::infinity())
          .unsqueeze(1)
          .repeat({1, 1, rep, 1});
    };
    if (T > 1 || padded) mask = additive(allowed);
    if (windowed) {
      // Mistral's band, i - w < j <= i, over the rotary positions of query and key.
      const torch::Tensor key_position = cache.positions_.narrow(1, 0, total).unsqueeze(1);
      const torch::Tensor query_position = positions.to(torch::kInt64).unsqueeze(2);
      window_mask = additive(allowed & (key_position > query_position - window));
    }
  }

  const auto [cos, sin] = rotary(positions);
  torch::Tensor x = embed_.index_select(0, tokens.reshape({-1}).to(torch::kInt64))
                        .view({B, T, config_.hidden_size});
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    torch::Tensor h = rms_norm(x, layer.input_norm, config_.rms_norm_eps);
    const bool in_window = windowed && static_cast<std::int64_t>(l) >= config_.window_first_layer;
    h = attention(layer, h, cos, sin, in_window ? window_mask : mask, l, cache);
    x = x + apply_dropout(h, dropout_.residual, dropout_.training);
    h = rms_norm(x, layer.post_norm, config_.rms_norm_eps);
    const auto gate_up = project(h, {{layer.gate_w, layer.gate_b}, {layer.up_w, layer.up_b}});
    h = project(torch::silu(gate_up[0]) * gate_up[1], {{layer.down_w, layer.down_b}})[0];
    x = x + apply_dropout(h, dropout_.residual, dropout_.training);
  }
  cache.length_ = total;
  return rms_norm(x, final_norm_, config_.rms_norm_eps);
}

torch::Tensor LlamaModel::logits(const torch::Tensor& hidden) const {
  return project(hidden, {{lm_head_, torch::Tensor()}})[0];
}

std::vector<torch::Tensor> LlamaModel::project(const torch::Tensor& x,
                                               std::initializer_list<WeightAndBias> weights) const {
  std::vector<torch::Tensor> out = engine::project(matvec_.get(), x, weights);
  if (adapters_) {
    std::size_t i = 0;
    for (const auto& [weight, bias] : weights) {
      out[i] = adapters_->apply(weight, x, out[i], dropout_.training);
      ++i;
    }
  }
  return out;
}

}  // namespace reasonrec::engine
