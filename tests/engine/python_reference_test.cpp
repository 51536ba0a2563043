// An independent reference: a plain Llama forward pass written here in Python/torch (float64),
// reading safetensors by hand, against the engine's logits on random checkpoints with grouped
// query attention, biases, untied heads and every rope scaling; and a run.c-style forward
// (interleaved RoPE pairs) straight from aidreams260K's llama2.c file against the converted model.

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/llama2c.hpp"
#include "engine/checkpoint/llama2c_tokenizer.hpp"
#include "engine/local_model.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::engine {
namespace {

const char* kReference = R"PY(
import json, math, struct, sys
import torch

def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    n = struct.unpack('<Q', data[:8])[0]
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        assert info['dtype'] == 'F32', info['dtype']
        begin, end = info['data_offsets']
        t = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=torch.float32)
        out[name] = t.reshape(info['shape']).double()
    return out

def inv_freq(cfg, seq_len):
    hd = cfg.get('head_dim') or cfg['hidden_size'] // cfg['num_attention_heads']
    base = cfg.get('rope_theta', 10000.0)
    rs = cfg.get('rope_scaling') or {}
    kind = rs.get('rope_type', rs.get('type', 'default'))
    factor = rs.get('factor', 1.0)
    if kind == 'dynamic':
        max_pos = cfg['max_position_embeddings']
        if seq_len > max_pos:
            base = base * ((factor * seq_len / max_pos) - (factor - 1)) ** (hd / (hd - 2))
    freq = [1.0 / base ** (2 * j / hd) for j in range(hd // 2)]
    scale = 1.0
    if kind == 'linear':
        freq = [f / factor for f in freq]
    elif kind == 'llama3':
        orig = rs['original_max_position_embeddings']
        low, high = rs['low_freq_factor'], rs['high_freq_factor']
        out = []
        for f in freq:
            wavelen = 2 * math.pi / f
            if wavelen < orig / high:
                out.append(f)
            elif wavelen > orig / low:
                out.append(f / factor)
            else:
                smooth = (orig / wavelen - low) / (high - low)
                out.append((1 - smooth) * f / factor + smooth * f)
        freq = out
    elif kind == 'yarn':
        orig = rs.get('original_max_position_embeddings') or cfg['max_position_embeddings']
        beta_fast, beta_slow = rs.get('beta_fast', 32.0), rs.get('beta_slow', 1.0)
        def corr(rot):
            return hd * math.log(orig / (rot * 2 * math.pi)) / (2 * math.log(base))
        lo = max(math.floor(corr(beta_fast)), 0)
        hi = min(math.ceil(corr(beta_slow)), hd - 1)
        if lo == hi:
            hi += 0.001
        out = []
        for j, f in enumerate(freq):
            ramp = min(max((j - lo) / (hi - lo), 0.0), 1.0)
            keep = 1.0 - ramp
            out.append(f / factor * (1 - keep) + f * keep)
        freq = out
        scale = rs.get('attention_factor') or (0.1 * math.log(factor) + 1.0 if factor > 1 else 1.0)
    return torch.tensor(freq, dtype=torch.float64), scale

def rms(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w

def hf_forward(model_dir, ids):
    cfg = json.load(open(model_dir + '/config.json'))
    w = read_safetensors(model_dir + '/model.safetensors')
    H, G = cfg['num_attention_heads'], cfg.get('num_key_value_heads', cfg['num_attention_heads'])
    hd = cfg.get('head_dim') or cfg['hidden_size'] // H
    eps = cfg['rms_norm_eps']
    T = len(ids)
    freq, scale = inv_freq(cfg, T)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * freq[None, :]
    cos = torch.cat([ang.cos(), ang.cos()], -1) * scale
    sin = torch.cat([ang.sin(), ang.sin()], -1) * scale
    def rope(x):  # [heads, T, hd]
        half = hd // 2
        rot = torch.cat([-x[..., half:], x[..., :half]], -1)
        return x * cos + rot * sin
    def lin(x, name):
        y = x @ w[name + '.weight'].T
        if name + '.bias' in w:
            y = y + w[name + '.bias']
        return y
    x = w['model.embed_tokens.weight'][ids]
    causal = torch.ones(T, T, dtype=torch.bool).tril()
    # Mistral's sliding window (Qwen2's with use_sliding_window, from max_window_layers on):
    # query i sees keys j with i - window < j <= i, as transformers' sliding_window_overlay.
    window = cfg.get('sliding_window')
    if cfg['model_type'] != 'mistral' and not cfg.get('use_sliding_window'):
        window = None
    first_windowed = cfg.get('max_window_layers', 28) if cfg['model_type'] == 'qwen2' else 0
    q_idx = torch.arange(T)[:, None]
    kv_idx = torch.arange(T)[None, :]
    band = (kv_idx <= q_idx) & (kv_idx > q_idx - (window or 0))
    for l in range(cfg['num_hidden_layers']):
        p = 'model.layers.%d.' % l
        h = rms(x, w[p + 'input_layernorm.weight'], eps)
        q = lin(h, p + 'self_attn.q_proj').reshape(T, H, hd).transpose(0, 1)
        k = lin(h, p + 'self_attn.k_proj').reshape(T, G, hd).transpose(0, 1)
        v = lin(h, p + 'self_attn.v_proj').reshape(T, G, hd).transpose(0, 1)
        q, k = rope(q), rope(k)
        outs = []
        for head in range(H):
            g = head // (H // G)
            s = (q[head] @ k[g].T) / math.sqrt(hd)
            allowed = band if window is not None and l >= first_windowed else causal
            s = s.masked_fill(~allowed, float('-inf'))
            outs.append(torch.softmax(s, -1) @ v[g])
        a = torch.cat(outs, -1)
        x = x + lin(a, p + 'self_attn.o_proj')
        h = rms(x, w[p + 'post_attention_layernorm.weight'], eps)
        gate = lin(h, p + 'mlp.gate_proj')
        x = x + lin(gate / (1 + torch.exp(-gate)) * lin(h, p + 'mlp.up_proj'), p + 'mlp.down_proj')
    x = rms(x, w['model.norm.weight'], eps)
    head = w['lm_head.weight'] if 'lm_head.weight' in w else w['model.embed_tokens.weight']
    return x @ head.T

def llama2c_forward(path, ids):
    # run.c semantics from FORMAT.md: legacy layout, adjacent-pair RoPE, one token at a time.
    data = open(path, 'rb').read()
    dim, hidden, L, H, G, V, S = struct.unpack('<7i', data[:28])
    shared = V > 0
    V = abs(V)
    f = torch.frombuffer(bytearray(data[28:]), dtype=torch.float32).double()
    hs, kv = dim // H, dim // H * G
    o = 0
    def take(*shape):
        nonlocal o
        n = 1
        for s in shape:
            n *= s
        t = f[o:o + n].reshape(shape)
        o += n
        return t
    emb = take(V, dim); att = take(L, dim); wq = take(L, dim, dim); wk = take(L, kv, dim)
    wv = take(L, kv, dim); wo = take(L, dim, dim); ffn = take(L, dim); w1 = take(L, hidden, dim)
    w2 = take(L, dim, hidden); w3 = take(L, hidden, dim); fin = take(dim)
    take(S, hs // 2); take(S, hs // 2)
    cls = take(V, dim) if not shared else emb
    keys = [[] for _ in range(L)]
    vals = [[] for _ in range(L)]
    out = []
    for pos, tok in enumerate(ids):
        x = emb[tok].clone()
        for l in range(L):
            xb = rms(x, att[l], 1e-5)
            q, k, v = wq[l] @ xb, wk[l] @ xb, wv[l] @ xb
            for i in range(0, dim, 2):
                theta = pos * 10000.0 ** (-(i % hs) / hs)
                c, s = math.cos(theta), math.sin(theta)
                q0, q1 = q[i].item(), q[i + 1].item()
                q[i], q[i + 1] = q0 * c - q1 * s, q0 * s + q1 * c
                if i < kv:
                    k0, k1 = k[i].item(), k[i + 1].item()
                    k[i], k[i + 1] = k0 * c - k1 * s, k0 * s + k1 * c
            keys[l].append(k); vals[l].append(v)
            K = torch.stack(keys[l]); Vv = torch.stack(vals[l])
            heads = []
            for h in range(H):
                g = h // (H // G)
                qh = q[h * hs:(h + 1) * hs]
                a = torch.softmax(K[:, g * hs:(g + 1) * hs] @ qh / math.sqrt(hs), 0)
                heads.append(a @ Vv[:, g * hs:(g + 1) * hs])
            x = x + wo[l] @ torch.cat(heads)
            xb = rms(x, ffn[l], 1e-5)
            h1 = w1[l] @ xb
            x = x + w2[l] @ (h1 / (1 + torch.exp(-h1)) * (w3[l] @ xb))
        out.append(cls @ rms(x, fin, 1e-5))
    return torch.stack(out)

mode, path, ids = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
logits = hf_forward(path, ids) if mode == 'hf' else llama2c_forward(path, ids)
print(json.dumps(logits.tolist()))
)PY";

std::vector<std::vector<double>> reference_logits(const std::string& mode,
                                                  const std::filesystem::path& path,
                                                  const std::vector<std::int32_t>& ids) {
  const auto result =
      test::run_python(kReference, {mode, path.string(), nlohmann::json(ids).dump()});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return nlohmann::json::parse(result.out).get<std::vector<std::vector<double>>>();
}

double max_difference(const std::vector<std::vector<float>>& ours,
                      const std::vector<std::vector<double>>& reference) {
  EXPECT_EQ(ours.size(), reference.size());
  double worst = 0.0;
  for (std::size_t t = 0; t < std::min(ours.size(), reference.size()); ++t) {
    EXPECT_EQ(ours[t].size(), reference[t].size());
    for (std::size_t v = 0; v < std::min(ours[t].size(), reference[t].size()); ++v) {
      worst = std::max(worst, std::abs(static_cast<double>(ours[t][v]) - reference[t][v]));
    }
  }
  return worst;
}

struct Variant {
  const char* name;
  const char* config;
  std::int64_t context;  // LocalModel::context_limit()
};

const Variant kVariants[] = {
    {"llama_gqa_bias_untied_linear",
     R"({"model_type":"llama","vocab_size":512,"hidden_size":32,"intermediate_size":48,
        "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-5,
        "attention_bias":true,"mlp_bias":true,"tie_word_embeddings":false,
        "max_position_embeddings":64,"rope_scaling":{"type":"linear","factor":2.0}})",
     64},
    {"qwen2_mqa_tied_llama3_headdim",
     R"({"model_type":"qwen2","vocab_size":512,"hidden_size":32,"intermediate_size":40,
        "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":1,"head_dim":16,
        "rms_norm_eps":1e-6,"rope_theta":500000.0,"tie_word_embeddings":true,
        "max_position_embeddings":128,
        "rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,
                        "high_freq_factor":4.0,"original_max_position_embeddings":8}})",
     128},
    {"llama_dynamic_beyond_context",
     R"({"model_type":"llama","vocab_size":512,"hidden_size":32,"intermediate_size":48,
        "num_hidden_layers":2,"num_attention_heads":2,"num_key_value_heads":2,"rms_norm_eps":1e-5,
        "max_position_embeddings":12,"rope_scaling":{"type":"dynamic","factor":2.0}})",
     24},
    {"mistral_yarn",
     R"({"model_type":"mistral","vocab_size":512,"hidden_size":32,"intermediate_size":48,
        "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-5,
        "max_position_embeddings":256,"sliding_window":null,
        "rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":32}})",
     256},
    // Sliding windows far shorter than the 18 tokens: the context is still all 18 (and more).
    {"mistral_sliding_window_4",
     R"({"model_type":"mistral","vocab_size":512,"hidden_size":32,"intermediate_size":48,
        "num_hidden_layers":3,"num_attention_heads":4,"num_key_value_heads":2,"rms_norm_eps":1e-5,
        "max_position_embeddings":64,"sliding_window":4})",
     64},
    {"qwen2_sliding_window_from_layer_1",
     R"({"model_type":"qwen2","vocab_size":512,"hidden_size":32,"intermediate_size":40,
        "num_hidden_layers":2,"num_attention_heads":4,"num_key_value_heads":1,"rms_norm_eps":1e-6,
        "max_position_embeddings":64,"use_sliding_window":true,"sliding_window":5,
        "max_window_layers":1})",
     64},
};

class PythonReference : public ::testing::TestWithParam<Variant> {};

TEST_P(PythonReference, LogitsAgreeOnRandomCheckpoints) {
  const auto dir = test::scratch_dir() / "model";
  const nlohmann::json config = nlohmann::json::parse(GetParam().config);
  write_random_llama(dir, config, 1234, 0.3);
  // The engine and the reference read the variant's own config.json.
  std::ofstream(dir / "config.json") << config.dump();
  {
    std::ofstream out(dir / "tokenizer.json");
    out << llama2c_tokenizer_json(
               read_llama2c_tokenizer(test::shared_dir() / "models" / "stories260K" / "tok512.bin",
                                      512))
               .dump();
  }
  const LocalModel model = LocalModel::load(dir);
  const std::vector<std::int32_t> ids = {1,   403, 407, 261, 378, 432, 383, 286, 261,
                                         376, 298, 315, 421, 395, 317, 426, 338, 401};
  const double worst = max_difference(model.logits(ids), reference_logits("hf", dir, ids));
  EXPECT_LE(worst, 1e-4) << GetParam().name;
  // A sliding window does not shorten the context.
  EXPECT_EQ(model.context_limit(), GetParam().context) << GetParam().name;
}

INSTANTIATE_TEST_SUITE_P(Variants, PythonReference, ::testing::ValuesIn(kVariants),
                         [](const auto& variant) { return std::string(variant.param.name); });

TEST(PythonReferenceLlama2c, ConvertedAidreamsComputesWhatRunCComputes) {
  const auto models = test::shared_dir() / "models" / "aidreams260K";
  const auto dir = test::scratch_dir() / "model";
  convert_llama2c(models / "aidreams260K.bin", models / "tok512.bin", dir);
  const LocalModel model = LocalModel::load(dir);
  const std::vector<std::int32_t> ids =
      model.tokenizer().encode("The dream was a machine that", true);
  ASSERT_GT(ids.size(), 4u);
  const double worst = max_difference(
      model.logits(ids), reference_logits("llama2c", models / "aidreams260K.bin", ids));
  EXPECT_LE(worst, 1e-4);
}

}  // namespace
}  // namespace reasonrec::engine
