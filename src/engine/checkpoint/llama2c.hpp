#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace reasonrec::engine {

// The seven header fields of a llama2.c checkpoint (see ../shared/models/FORMAT.md).
struct Llama2cConfig {
  int dim = 0;
  int hidden_dim = 0;
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;
  int vocab_size = 0;  // always positive here; the sign flag is in shared_classifier
  int seq_len = 0;
  bool shared_classifier = true;
  int version = 0;  // 0 = legacy (run.c), 1 = fp32 "ak42", 2 = Q8_0 "ak42" (dequantized)

  int head_size() const { return dim / n_heads; }
  int kv_dim() const { return dim / n_heads * n_kv_heads; }
};

// Every tensor of a llama2.c checkpoint in fp32, each kind with all layers stacked in
// llama2.c's own layout ([out][in] rows, RoPE pairs interleaved).
struct Llama2cCheckpoint {
  Llama2cConfig config;
  std::vector<float> embedding;   // V x D
  std::vector<float> att_norm;    // L x D
  std::vector<float> ffn_norm;    // L x D
  std::vector<float> final_norm;  // D
  std::vector<float> wq, wk, wv, wo, w1, w2, w3;
  std::vector<float> classifier;  // V x D; empty when shared with the embedding
};

// Reads a legacy, version 1 or version 2 checkpoint; InputError naming the file and what
// is wrong (sizes that do not add up, impossible header values).
Llama2cCheckpoint read_llama2c(const std::filesystem::path& path);

// Writes `out_dir` as a Hugging Face Llama directory: config.json, generation_config.json and
// model.safetensors (q/k rows permuted from llama2.c's interleaved RoPE pairs to the
// rotate_half layout), plus a tokenizer: a SentencePiece `.model` is copied as
// tokenizer.model; a llama2.c tokenizer.bin becomes tokenizer.json.
void convert_llama2c(const std::filesystem::path& checkpoint,
                     const std::filesystem::path& tokenizer, const std::filesystem::path& out_dir);

}  // namespace reasonrec::engine
