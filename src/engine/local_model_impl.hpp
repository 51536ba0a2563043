#pragma once

// Internal to the engine (includes torch): what a LocalModel holds.

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/generation/generator.hpp"
#include "engine/local_model.hpp"
#include "engine/model/llama.hpp"

namespace reasonrec::engine {

struct LocalModel::Impl {
  Impl(CheckpointDir checkpoint_dir, LlamaModel llama, std::unique_ptr<Tokenizer> tok,
       GeneratorOptions options)
      : checkpoint(std::move(checkpoint_dir)),
        model(std::move(llama)),
        tokenizer(std::move(tok)),
        generator(model, *tokenizer, std::move(options)) {}

  CheckpointDir checkpoint;
  LlamaModel model;
  std::unique_ptr<Tokenizer> tokenizer;
  Generator generator;
  std::vector<std::int32_t> eos;
  std::int64_t context_limit = 0;

  // The decoder-only model; nullptr for other architectures.
  const LlamaModel* decoder() const { return &model; }
};

}  // namespace reasonrec::engine
