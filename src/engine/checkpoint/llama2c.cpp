#include "engine/checkpoint/llama2c.hpp"

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/checkpoint/llama2c_tokenizer.hpp"
#include "engine/checkpoint/safetensors.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

constexpr std::uint32_t kMagic = 0x616b3432;  // "ak42" little-endian
constexpr std::size_t kHeaderedSize = 256;

class Cursor {
 public:
  Cursor(const std::filesystem::path& path, const std::vector<char>& bytes, std::size_t offset)
      : path_(path), bytes_(bytes), offset_(offset) {}

  std::vector<float> floats(std::size_t count, const char* what) {
    require(count * sizeof(float), what);
    std::vector<float> out(count);
    std::memcpy(out.data(), bytes_.data() + offset_, count * sizeof(float));
    offset_ += count * sizeof(float);
    return out;
  }

  // Version 2: int8 values, then one float scale per group.
  std::vector<float> q8(std::size_t count, std::size_t group, const char* what) {
    if (count % group != 0) {
      throw InputError(path_.string(), 0,
                       std::string(what) + " has " + std::to_string(count) +
                           " values, not a multiple of the group size " + std::to_string(group));
    }
    require(count, what);
    std::vector<std::int8_t> values(count);
    std::memcpy(values.data(), bytes_.data() + offset_, count);
    offset_ += count;
    std::vector<float> scales = floats(count / group, what);
    std::vector<float> out(count);
    for (std::size_t i = 0; i < count; ++i)
      out[i] = static_cast<float>(values[i]) * scales[i / group];
    return out;
  }

  void skip(std::size_t bytes, const char* what) {
    require(bytes, what);
    offset_ += bytes;
  }

  void expect_end() const {
    if (offset_ != bytes_.size()) {
      throw InputError(path_.string(), 0,
                       std::to_string(bytes_.size() - offset_) +
                           " unexpected bytes after the last tensor: the header does not "
                           "describe this file");
    }
  }

 private:
  void require(std::size_t bytes, const char* what) const {
    if (bytes_.size() - offset_ < bytes) {
      throw InputError(path_.string(), 0,
                       std::string("file ends inside ") + what + " (needs " +
                           std::to_string(bytes) + " bytes at offset " + std::to_string(offset_) +
                           ", file has " + std::to_string(bytes_.size()) + ")");
    }
  }

  const std::filesystem::path& path_;
  const std::vector<char>& bytes_;
  std::size_t offset_;
};

void validate(const std::filesystem::path& path, const Llama2cConfig& c) {
  auto bad = [&](const std::string& why) {
    throw InputError(path.string(), 0, "not a llama2.c checkpoint: " + why);
  };
  auto in_range = [](int v, int hi) { return v > 0 && v <= hi; };
  if (!in_range(c.dim, 1 << 16)) bad("dim " + std::to_string(c.dim));
  if (!in_range(c.hidden_dim, 1 << 18)) bad("hidden_dim " + std::to_string(c.hidden_dim));
  if (!in_range(c.n_layers, 1024)) bad("n_layers " + std::to_string(c.n_layers));
  if (!in_range(c.n_heads, 1024) || c.dim % c.n_heads != 0 || c.head_size() % 2 != 0) {
    bad("n_heads " + std::to_string(c.n_heads) + " does not divide dim " + std::to_string(c.dim) +
        " into even head sizes");
  }
  if (!in_range(c.n_kv_heads, c.n_heads) || c.n_heads % c.n_kv_heads != 0) {
    bad("n_kv_heads " + std::to_string(c.n_kv_heads) + " must divide n_heads " +
        std::to_string(c.n_heads));
  }
  if (!in_range(c.vocab_size, 1 << 22)) bad("vocab_size " + std::to_string(c.vocab_size));
  if (!in_range(c.seq_len, 1 << 22)) bad("seq_len " + std::to_string(c.seq_len));
}

std::span<const std::byte> as_bytes(const std::vector<float>& v) {
  return std::as_bytes(std::span<const float>(v));
}

// llama2.c rotates adjacent pairs (2i, 2i+1) of each head; Hugging Face's rotate_half pairs
// (i, i + head/2). Reordering each head's rows to [even rows..., odd rows...] makes the
// rotate_half model compute exactly the same numbers.
std::vector<float> permute_rope_rows(const std::vector<float>& w, std::size_t heads,
                                     std::size_t head_size, std::size_t in) {
  std::vector<float> out(w.size());
  const std::size_t half = head_size / 2;
  for (std::size_t h = 0; h < heads; ++h) {
    for (std::size_t r = 0; r < head_size; ++r) {
      const std::size_t source = h * head_size + r;
      const std::size_t target = h * head_size + (r % 2) * half + r / 2;
      std::memcpy(out.data() + target * in, w.data() + source * in, in * sizeof(float));
    }
  }
  return out;
}

std::vector<float> layer_slice(const std::vector<float>& all, int layer, std::size_t per_layer) {
  const auto begin =
      all.begin() + static_cast<std::ptrdiff_t>(per_layer * static_cast<std::size_t>(layer));
  return std::vector<float>(begin, begin + static_cast<std::ptrdiff_t>(per_layer));
}

void write_json(const std::filesystem::path& path, const nlohmann::json& value) {
  write_file_atomically(path, value.dump(2) + "\n");
}

}  // namespace

Llama2cCheckpoint read_llama2c(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open checkpoint");
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  if (bytes.size() < 28) throw InputError(path.string(), 0, "too short for a llama2.c header");

  Llama2cCheckpoint ck;
  Llama2cConfig& c = ck.config;
  std::uint32_t magic = 0;
  std::memcpy(&magic, bytes.data(), 4);
  std::int32_t header[7];
  std::size_t body = 28;
  int group_size = 0;
  if (magic == kMagic) {
    if (bytes.size() < kHeaderedSize)
      throw InputError(path.string(), 0, "truncated 256-byte header");
    std::int32_t version = 0;
    std::memcpy(&version, bytes.data() + 4, 4);
    if (version != 1 && version != 2) {
      throw InputError(path.string(), 0,
                       "unsupported llama2.c checkpoint version " + std::to_string(version));
    }
    c.version = version;
    std::memcpy(header, bytes.data() + 8, sizeof header);
    c.shared_classifier = bytes[36] != 0;
    if (version == 2) {
      std::memcpy(&group_size, bytes.data() + 37, 4);
      if (group_size <= 0) {
        throw InputError(path.string(), 0, "bad Q8_0 group size " + std::to_string(group_size));
      }
    }
    body = kHeaderedSize;
  } else {
    std::memcpy(header, bytes.data(), sizeof header);
    c.shared_classifier = header[5] > 0;
    header[5] = header[5] < 0 ? -header[5] : header[5];
  }
  c.dim = header[0];
  c.hidden_dim = header[1];
  c.n_layers = header[2];
  c.n_heads = header[3];
  c.n_kv_heads = header[4];
  c.vocab_size = header[5];
  c.seq_len = header[6];
  validate(path, c);

  const auto D = static_cast<std::size_t>(c.dim);
  const auto H = static_cast<std::size_t>(c.hidden_dim);
  const auto L = static_cast<std::size_t>(c.n_layers);
  const auto V = static_cast<std::size_t>(c.vocab_size);
  const auto KV = static_cast<std::size_t>(c.kv_dim());
  const auto S = static_cast<std::size_t>(c.seq_len);
  const auto half_head = static_cast<std::size_t>(c.head_size() / 2);
  Cursor cur(path, bytes, body);
  if (c.version == 0) {
    ck.embedding = cur.floats(V * D, "the token embedding");
    ck.att_norm = cur.floats(L * D, "the attention norms");
    ck.wq = cur.floats(L * D * D, "wq");
    ck.wk = cur.floats(L * KV * D, "wk");
    ck.wv = cur.floats(L * KV * D, "wv");
    ck.wo = cur.floats(L * D * D, "wo");
    ck.ffn_norm = cur.floats(L * D, "the FFN norms");
    ck.w1 = cur.floats(L * H * D, "w1");
    ck.w2 = cur.floats(L * D * H, "w2");
    ck.w3 = cur.floats(L * H * D, "w3");
    ck.final_norm = cur.floats(D, "the final norm");
    cur.skip(2 * S * half_head * sizeof(float), "the RoPE tables");
    if (!c.shared_classifier) ck.classifier = cur.floats(V * D, "the classifier");
  } else {
    ck.att_norm = cur.floats(L * D, "the attention norms");
    ck.ffn_norm = cur.floats(L * D, "the FFN norms");
    ck.final_norm = cur.floats(D, "the final norm");
    auto matrix = [&](std::size_t count, const char* what) {
      return c.version == 1 ? cur.floats(count, what)
                            : cur.q8(count, static_cast<std::size_t>(group_size), what);
    };
    ck.embedding = matrix(V * D, "the token embedding");
    if (c.version == 1) {
      ck.wq = matrix(L * D * D, "wq");
      ck.wk = matrix(L * KV * D, "wk");
      ck.wv = matrix(L * KV * D, "wv");
      ck.wo = matrix(L * D * D, "wo");
      ck.w1 = matrix(L * H * D, "w1");
      ck.w2 = matrix(L * D * H, "w2");
      ck.w3 = matrix(L * H * D, "w3");
    } else {
      // Version 2 quantizes each layer's matrix on its own (export.py's per-layer loop).
      auto per_layer = [&](std::size_t count, const char* what) {
        std::vector<float> all;
        for (std::size_t l = 0; l < L; ++l) {
          std::vector<float> one = matrix(count, what);
          all.insert(all.end(), one.begin(), one.end());
        }
        return all;
      };
      ck.wq = per_layer(D * D, "wq");
      ck.wk = per_layer(KV * D, "wk");
      ck.wv = per_layer(KV * D, "wv");
      ck.wo = per_layer(D * D, "wo");
      ck.w1 = per_layer(H * D, "w1");
      ck.w2 = per_layer(D * H, "w2");
      ck.w3 = per_layer(H * D, "w3");
    }
    if (!c.shared_classifier) ck.classifier = matrix(V * D, "the classifier");
  }
  cur.expect_end();
  return ck;
}

void convert_llama2c(const std::filesystem::path& checkpoint,
                     const std::filesystem::path& tokenizer, const std::filesystem::path& out_dir) {
  const Llama2cCheckpoint ck = read_llama2c(checkpoint);
  const Llama2cConfig& c = ck.config;
  std::filesystem::create_directories(out_dir);

  const auto D = static_cast<std::int64_t>(c.dim);
  const auto H = static_cast<std::int64_t>(c.hidden_dim);
  const auto KV = static_cast<std::int64_t>(c.kv_dim());
  const auto V = static_cast<std::int64_t>(c.vocab_size);
  const auto head = static_cast<std::size_t>(c.head_size());

  // Own every tensor first: TensorToWrite only views its bytes.
  std::vector<std::pair<std::string, std::pair<std::vector<std::int64_t>, std::vector<float>>>>
      owned;
  auto add = [&](std::string name, std::vector<std::int64_t> shape, std::vector<float> data) {
    owned.emplace_back(std::move(name), std::make_pair(std::move(shape), std::move(data)));
  };
  add("model.embed_tokens.weight", {V, D}, ck.embedding);
  for (int l = 0; l < c.n_layers; ++l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    const auto ud = static_cast<std::size_t>(D);
    const auto uh = static_cast<std::size_t>(H);
    const auto ukv = static_cast<std::size_t>(KV);
    add(p + "input_layernorm.weight", {D}, layer_slice(ck.att_norm, l, ud));
    add(p + "self_attn.q_proj.weight", {D, D},
        permute_rope_rows(layer_slice(ck.wq, l, ud * ud), static_cast<std::size_t>(c.n_heads), head,
                          ud));
    add(p + "self_attn.k_proj.weight", {KV, D},
        permute_rope_rows(layer_slice(ck.wk, l, ukv * ud), static_cast<std::size_t>(c.n_kv_heads),
                          head, ud));
    add(p + "self_attn.v_proj.weight", {KV, D}, layer_slice(ck.wv, l, ukv * ud));
    add(p + "self_attn.o_proj.weight", {D, D}, layer_slice(ck.wo, l, ud * ud));
    add(p + "post_attention_layernorm.weight", {D}, layer_slice(ck.ffn_norm, l, ud));
    add(p + "mlp.gate_proj.weight", {H, D}, layer_slice(ck.w1, l, uh * ud));
    add(p + "mlp.down_proj.weight", {D, H}, layer_slice(ck.w2, l, ud * uh));
    add(p + "mlp.up_proj.weight", {H, D}, layer_slice(ck.w3, l, uh * ud));
  }
  add("model.norm.weight", {D}, ck.final_norm);
  if (!c.shared_classifier) add("lm_head.weight", {V, D}, ck.classifier);

  std::vector<TensorToWrite> tensors;
  for (const auto& [name, tensor] : owned) {
    tensors.push_back({name, DType::F32, tensor.first, as_bytes(tensor.second)});
  }
  write_safetensors(out_dir / "model.safetensors", tensors, {{"format", "pt"}});

  write_json(out_dir / "config.json", {{"architectures", {"LlamaForCausalLM"}},
                                       {"model_type", "llama"},
                                       {"hidden_size", c.dim},
                                       {"intermediate_size", c.hidden_dim},
                                       {"num_hidden_layers", c.n_layers},
                                       {"num_attention_heads", c.n_heads},
                                       {"num_key_value_heads", c.n_kv_heads},
                                       {"head_dim", c.head_size()},
                                       {"vocab_size", c.vocab_size},
                                       {"max_position_embeddings", c.seq_len},
                                       {"rms_norm_eps", 1e-5},
                                       {"rope_theta", 10000.0},
                                       {"hidden_act", "silu"},
                                       {"attention_bias", false},
                                       {"mlp_bias", false},
                                       {"tie_word_embeddings", c.shared_classifier},
                                       {"bos_token_id", 1},
                                       {"eos_token_id", 2},
                                       {"torch_dtype", "float32"}});
  write_json(out_dir / "generation_config.json",
             {{"bos_token_id", 1}, {"eos_token_id", 2}, {"max_length", c.seq_len}});

  const std::string ext = tokenizer.extension().string();
  if (ext == ".model") {
    std::filesystem::copy_file(tokenizer, out_dir / "tokenizer.model",
                               std::filesystem::copy_options::overwrite_existing);
  } else {
    write_json(out_dir / "tokenizer.json",
               llama2c_tokenizer_json(read_llama2c_tokenizer(tokenizer, c.vocab_size)));
  }
  write_json(out_dir / "tokenizer_config.json", {{"tokenizer_class", "LlamaTokenizer"},
                                                 {"bos_token", "<s>"},
                                                 {"eos_token", "</s>"},
                                                 {"unk_token", "<unk>"},
                                                 {"add_bos_token", true},
                                                 {"add_eos_token", false},
                                                 {"model_max_length", c.seq_len}});
}

}  // namespace reasonrec::engine
