#pragma once

// Internal to the engine (includes torch): what a LocalModel holds.

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/generation/generator.hpp"
#include "engine/local_model.hpp"
#include "engine/model/llama.hpp"
#include "engine/seq2seq_model.hpp"

namespace reasonrec::engine {

// One architecture is loaded: a decoder-only Llama-family model with its Generator, or a T5
// encoder-decoder. The shared fields mean the same for both.
struct LocalModel::Impl {
  // A decoder-only model; the Generator keeps references to *llama and *tokenizer.
  Impl(CheckpointDir checkpoint_dir, LlamaModel model, std::shared_ptr<const Tokenizer> tok,
       GeneratorOptions options)
      : checkpoint(std::move(checkpoint_dir)),
        tokenizer(std::move(tok)),
        eos(options.eos_ids),
        context_limit(options.context_limit),
        llama(std::make_unique<LlamaModel>(std::move(model))),
        generator(std::make_unique<Generator>(*llama, *tokenizer, std::move(options))) {}

  // An encoder-decoder model, which has its own tokenizer (required) and end tokens.
  Impl(CheckpointDir checkpoint_dir, Seq2SeqModel model)
      : checkpoint(std::move(checkpoint_dir)),
        tokenizer(model.shared_tokenizer()),
        eos(model.eos_ids()),
        seq2seq(std::make_unique<Seq2SeqModel>(std::move(model))) {}

  CheckpointDir checkpoint;
  std::shared_ptr<const Tokenizer> tokenizer;  // never null
  std::vector<std::int32_t> eos;               // every token that ends a generation
  std::int64_t context_limit = 0;              // positions a sequence may use; 0: unlimited

  std::unique_ptr<LlamaModel> llama;
  std::unique_ptr<Generator> generator;  // over *llama
  std::unique_ptr<Seq2SeqModel> seq2seq;

  // The decoder-only model; nullptr for other architectures (T5).
  const LlamaModel* decoder() const { return llama.get(); }
  // The encoder-decoder model; nullptr for decoder-only ones.
  const Seq2SeqModel* encoder_decoder() const { return seq2seq.get(); }
};

}  // namespace reasonrec::engine
