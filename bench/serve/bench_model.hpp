#pragma once

// The model of bench/serve: a small Llama-family decoder with random weights and a real
// tokenizer (stories260K's 512-piece SentencePiece-style BPE, converted from llama2.c's
// tokenizer.bin as `reasonrec convert llama2c` does), written as a Hugging Face directory.

#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

namespace reasonrec::bench {

struct ModelShape {
  int hidden = 128;
  int layers = 2;
  int heads = 4;
  int kv_heads = 2;
  int intermediate = 384;
};

// config.json of the shape (vocabulary 512, long enough a context for real prompts).
nlohmann::json bench_model_config(const ModelShape& shape);

// Writes the model into `dir`/model (random weights from `seed`) using `models_dir`
// (../shared/models) for the tokenizer; returns that directory.
std::filesystem::path write_bench_model(const std::filesystem::path& dir,
                                        const std::filesystem::path& models_dir,
                                        const ModelShape& shape, std::uint64_t seed);

}  // namespace reasonrec::bench
