#pragma once

// Tiny random BERT / RoBERTa / T5 checkpoints written with the project's safetensors writer,
// and the Python (torch) reference that reads them by hand. Torch-free on the C++ side.

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/checkpoint/safetensors.hpp"
#include "support/run.hpp"
#include "util/random.hpp"

namespace reasonrec::engine::test_fixtures {

struct RandomTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  double center = 0.0;  // values uniform in [center - spread, center + spread]
  double spread = 0.2;
};

inline void write_random_checkpoint(const std::filesystem::path& dir, const nlohmann::json& config,
                                    const std::vector<RandomTensor>& specs, std::uint64_t seed) {
  std::filesystem::create_directories(dir);
  Rng rng(seed);
  std::vector<std::vector<float>> storage;
  storage.reserve(specs.size());
  std::vector<TensorToWrite> tensors;
  for (const RandomTensor& spec : specs) {
    std::int64_t numel = 1;
    for (const std::int64_t s : spec.shape) numel *= s;
    std::vector<float> values(static_cast<std::size_t>(numel));
    for (float& v : values) {
      v = static_cast<float>(spec.center + spec.spread * (2.0 * rng.uniform() - 1.0));
    }
    storage.push_back(std::move(values));
    const auto& data = storage.back();
    tensors.push_back({spec.name, DType::F32, spec.shape,
                       std::as_bytes(std::span<const float>(data.data(), data.size()))});
  }
  write_safetensors(dir / "model.safetensors", tensors);
  std::ofstream(dir / "config.json") << config.dump(2);
}

// A BERT (model_type bert) or RoBERTa (roberta) encoder with these sizes; `prefix` is prepended
// to every weight name ("", "bert.", "roberta.").
inline nlohmann::json write_bert(const std::filesystem::path& dir, const std::string& model_type,
                                 const std::string& prefix, std::uint64_t seed,
                                 const std::string& hidden_act = "gelu") {
  const std::int64_t vocab = 40, hidden = 16, heads = 4, inter = 24, layers = 3, positions = 40;
  const std::int64_t types = model_type == "roberta" ? 1 : 2;
  const nlohmann::json config = {{"model_type", model_type},
                                 {"vocab_size", vocab},
                                 {"hidden_size", hidden},
                                 {"num_hidden_layers", layers},
                                 {"num_attention_heads", heads},
                                 {"intermediate_size", inter},
                                 {"hidden_act", hidden_act},
                                 {"layer_norm_eps", 1e-5},
                                 {"max_position_embeddings", positions},
                                 {"type_vocab_size", types},
                                 {"pad_token_id", model_type == "roberta" ? 1 : 0}};
  std::vector<RandomTensor> specs = {
      {prefix + "embeddings.word_embeddings.weight", {vocab, hidden}, 0.0, 1.0},
      {prefix + "embeddings.position_embeddings.weight", {positions, hidden}, 0.0, 0.5},
      {prefix + "embeddings.token_type_embeddings.weight", {types, hidden}, 0.0, 0.5},
      {prefix + "embeddings.LayerNorm.weight", {hidden}, 1.0, 0.2},
      {prefix + "embeddings.LayerNorm.bias", {hidden}, 0.0, 0.2},
  };
  for (std::int64_t l = 0; l < layers; ++l) {
    const std::string p = prefix + "encoder.layer." + std::to_string(l) + ".";
    for (const char* m : {"attention.self.query", "attention.self.key", "attention.self.value",
                          "attention.output.dense"}) {
      specs.push_back({p + m + ".weight", {hidden, hidden}, 0.0, 0.4});
      specs.push_back({p + m + ".bias", {hidden}, 0.0, 0.1});
    }
    specs.push_back({p + "intermediate.dense.weight", {inter, hidden}, 0.0, 0.4});
    specs.push_back({p + "intermediate.dense.bias", {inter}, 0.0, 0.1});
    specs.push_back({p + "output.dense.weight", {hidden, inter}, 0.0, 0.4});
    specs.push_back({p + "output.dense.bias", {hidden}, 0.0, 0.1});
    for (const char* n : {"attention.output.LayerNorm", "output.LayerNorm"}) {
      specs.push_back({p + n + ".weight", {hidden}, 1.0, 0.2});
      specs.push_back({p + n + ".bias", {hidden}, 0.0, 0.1});
    }
  }
  specs.push_back({prefix + "pooler.dense.weight", {hidden, hidden}, 0.0, 0.3});  // ignored
  write_random_checkpoint(dir, config, specs, seed);
  return config;
}

// A T5 v1.0 (relu, tied head) or v1.1 (gated-gelu, untied lm_head) model.
inline nlohmann::json write_t5(const std::filesystem::path& dir, bool v11, std::uint64_t seed,
                               std::int64_t vocab = 48) {
  const std::int64_t d = 16, heads = 4, d_kv = 6, d_ff = 20, enc = 2, dec = 3;
  const std::int64_t inner = heads * d_kv, buckets = 8;
  const nlohmann::json config = {{"model_type", "t5"},
                                 {"vocab_size", vocab},
                                 {"d_model", d},
                                 {"d_kv", d_kv},
                                 {"d_ff", d_ff},
                                 {"num_layers", enc},
                                 {"num_decoder_layers", dec},
                                 {"num_heads", heads},
                                 {"relative_attention_num_buckets", buckets},
                                 {"relative_attention_max_distance", 20},
                                 {"layer_norm_epsilon", 1e-6},
                                 {"feed_forward_proj", v11 ? "gated-gelu" : "relu"},
                                 {"tie_word_embeddings", !v11},
                                 {"pad_token_id", 0},
                                 {"eos_token_id", 1},
                                 {"decoder_start_token_id", 0}};
  std::vector<RandomTensor> specs = {{"shared.weight", {vocab, d}, 0.0, 1.0}};
  auto attention = [&](const std::string& p) {
    specs.push_back({p + ".q.weight", {inner, d}, 0.0, 0.3});
    specs.push_back({p + ".k.weight", {inner, d}, 0.0, 0.3});
    specs.push_back({p + ".v.weight", {inner, d}, 0.0, 0.3});
    specs.push_back({p + ".o.weight", {d, inner}, 0.0, 0.3});
  };
  auto ff = [&](const std::string& p) {
    if (v11) {
      specs.push_back({p + ".wi_0.weight", {d_ff, d}, 0.0, 0.4});
      specs.push_back({p + ".wi_1.weight", {d_ff, d}, 0.0, 0.4});
    } else {
      specs.push_back({p + ".wi.weight", {d_ff, d}, 0.0, 0.4});
    }
    specs.push_back({p + ".wo.weight", {d, d_ff}, 0.0, 0.4});
  };
  for (std::int64_t l = 0; l < enc; ++l) {
    const std::string p = "encoder.block." + std::to_string(l) + ".layer.";
    attention(p + "0.SelfAttention");
    if (l == 0) {
      specs.push_back(
          {p + "0.SelfAttention.relative_attention_bias.weight", {buckets, heads}, 0.0, 1.0});
    }
    specs.push_back({p + "0.layer_norm.weight", {d}, 1.0, 0.2});
    ff(p + "1.DenseReluDense");
    specs.push_back({p + "1.layer_norm.weight", {d}, 1.0, 0.2});
  }
  specs.push_back({"encoder.final_layer_norm.weight", {d}, 1.0, 0.2});
  for (std::int64_t l = 0; l < dec; ++l) {
    const std::string p = "decoder.block." + std::to_string(l) + ".layer.";
    attention(p + "0.SelfAttention");
    if (l == 0) {
      specs.push_back(
          {p + "0.SelfAttention.relative_attention_bias.weight", {buckets, heads}, 0.0, 1.0});
    }
    specs.push_back({p + "0.layer_norm.weight", {d}, 1.0, 0.2});
    attention(p + "1.EncDecAttention");
    specs.push_back({p + "1.layer_norm.weight", {d}, 1.0, 0.2});
    ff(p + "2.DenseReluDense");
    specs.push_back({p + "2.layer_norm.weight", {d}, 1.0, 0.2});
  }
  specs.push_back({"decoder.final_layer_norm.weight", {d}, 1.0, 0.2});
  if (v11) specs.push_back({"lm_head.weight", {vocab, d}, 0.0, 0.5});
  write_random_checkpoint(dir, config, specs, seed);
  return config;
}

// Reads model.safetensors by hand (8-byte little-endian header length, JSON header, data).
inline const char* python_safetensors_reader = R"PY(
import json, math, struct, sys
import torch

def load_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        assert info['dtype'] == 'F32'
        b, e = info['data_offsets']
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).reshape(info['shape']).double()
    return out
)PY";

// A plain BERT / RoBERTa forward pass in float64 over one unpadded sequence at a time:
// bert_hidden_states(dir, prefix, ids, types=None) -> list of [len, hidden] tensors (embeddings
// + layers); `types` are the token type (segment) ids, all 0 when None.
inline const char* python_bert_reference = R"PY(
def bert_hidden_states(d, prefix, seq, types=None):
    cfg = json.load(open(d + '/config.json'))
    W = load_safetensors(d + '/model.safetensors')
    H = cfg['hidden_size']; heads = cfg['num_attention_heads']; hd = H // heads
    eps = cfg['layer_norm_eps']
    def act(x):
        if cfg['hidden_act'] == 'gelu':
            return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    def norm(x, p):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        return (x - mean) / torch.sqrt(var + eps) * W[p + '.weight'] + W[p + '.bias']
    def dense(x, p):
        return x @ W[p + '.weight'].T + W[p + '.bias']
    n = len(seq)
    ids = torch.tensor(seq, dtype=torch.long)
    if cfg['model_type'] == 'roberta':
        pos = torch.arange(n) + cfg['pad_token_id'] + 1
    else:
        pos = torch.arange(n)
    e = prefix + 'embeddings.'
    tt = torch.tensor(types if types is not None else [0] * n, dtype=torch.long)
    x = W[e + 'word_embeddings.weight'][ids] + W[e + 'position_embeddings.weight'][pos] \
        + W[e + 'token_type_embeddings.weight'][tt]
    x = norm(x, e + 'LayerNorm')
    out = [x]
    for l in range(cfg['num_hidden_layers']):
        p = prefix + 'encoder.layer.%d.' % l
        q = dense(x, p + 'attention.self.query').reshape(n, heads, hd).transpose(0, 1)
        k = dense(x, p + 'attention.self.key').reshape(n, heads, hd).transpose(0, 1)
        v = dense(x, p + 'attention.self.value').reshape(n, heads, hd).transpose(0, 1)
        w = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(hd), dim=-1)
        a = (w @ v).transpose(0, 1).reshape(n, H)
        x = norm(dense(a, p + 'attention.output.dense') + x, p + 'attention.output.LayerNorm')
        y = dense(act(dense(x, p + 'intermediate.dense')), p + 'output.dense')
        x = norm(y + x, p + 'output.LayerNorm')
        out.append(x)
    return out
)PY";

// Runs a Python script (reader and references prepended) and parses its stdout as JSON.
inline nlohmann::json run_python_json(const std::string& script,
                                      const std::vector<std::string>& args = {}) {
  const std::string full = std::string(python_safetensors_reader) + python_bert_reference + script;
  const test::RunResult r = test::run_python(full, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return nlohmann::json();
  return nlohmann::json::parse(r.out);
}

}  // namespace reasonrec::engine::test_fixtures
