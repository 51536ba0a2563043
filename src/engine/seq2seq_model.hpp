#pragma once

// A T5 / Flan-T5 encoder-decoder behind a torch-free interface, with the generation types of
// engine/generation/types.hpp: the prompt is the encoder input, generated and scored tokens
// are the decoder's. Safe to include anywhere (no torch headers).

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "engine/generation/types.hpp"

namespace reasonrec::engine {

class Tokenizer;

struct Seq2SeqOptions {
  int max_batch_rows = 16;        // rows encoded or decoded together
  std::filesystem::path adapter;  // a PEFT LoRA adapter merged into the weights; empty: none
};

class Seq2SeqModel {
 public:
  // config.json (model_type t5), weights, and the tokenizer when the directory has one.
  static Seq2SeqModel load(const std::filesystem::path& dir, Seq2SeqOptions options = {});
  Seq2SeqModel(Seq2SeqModel&&) noexcept;
  Seq2SeqModel& operator=(Seq2SeqModel&&) noexcept;
  ~Seq2SeqModel();

  const std::filesystem::path& dir() const;
  std::int32_t vocab_size() const;
  std::int32_t eos_id() const;  // config.json's
  // Tokens that end a generation: config.json's and generation_config.json's eos_token_id and
  // the tokenizer's EOS (as for decoder-only models).
  const std::vector<std::int32_t>& eos_ids() const;
  std::int32_t decoder_start_id() const;
  bool has_tokenizer() const;
  const Tokenizer& tokenizer() const;                         // UsageError when absent
  std::shared_ptr<const Tokenizer> shared_tokenizer() const;  // nullptr when absent

  // Logits [T][vocab] of the decoder reading `decoder_ids` (teacher forcing) after encoding
  // `input_ids`: one decoder pass, or one token at a time through the KV cache.
  std::vector<std::vector<float>> logits(std::span<const std::int32_t> input_ids,
                                         std::span<const std::int32_t> decoder_ids,
                                         bool incremental = false) const;
  // The same for several pairs at once, encoder inputs and decoder inputs each padded.
  std::vector<std::vector<std::vector<float>>> batch_logits(
      const std::vector<std::vector<std::int32_t>>& inputs,
      const std::vector<std::vector<std::int32_t>>& decoder_ids) const;

  // Every sample of every spec, [spec][sample]; the decoder starts at decoder_start_id and
  // stops at end-of-sequence, a stop token, a stop string (needs the tokenizer),
  // max_new_tokens, or when the spec's output constraint is complete. Each step is decoded
  // by the decoder-only Generator's own per-sample code (generation/decode_step.hpp), so
  // sampling, constraints and stop rules behave identically. Sample i of a spec draws from
  // Rng(seed + i) alone.
  std::vector<std::vector<Generation>> generate(std::span<const GenerationSpec> specs) const;
  // log P(continuation | prompt): the decoder reads decoder_start + continuation[:-1].
  std::vector<ContinuationScore> score(std::span<const ContinuationSpec> specs) const;
  // log-softmax at the first decoder position after each prompt (the rating position of the
  // paper's Flan-T5 AUC method), [prompt][vocab].
  std::vector<std::vector<float>> next_token_logprobs(
      std::span<const std::vector<std::int32_t>> prompts) const;

 private:
  std::vector<std::vector<Generation>> generate_chunk(std::span<const GenerationSpec> specs) const;

  struct Impl;
  explicit Seq2SeqModel(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// P(rating = k), k = 1..5, at the first decoder position: the probabilities of the tokens
// `rating_ids` (the ids of "1".."5"), normalised over the five; raw_mass before normalising.
struct Seq2SeqRating {
  std::vector<double> probabilities;
  double raw_mass = 0.0;
};
std::vector<Seq2SeqRating> seq2seq_rating_distributions(
    const Seq2SeqModel& model, std::span<const std::vector<std::int32_t>> prompts,
    std::span<const std::int32_t> rating_ids);

// The tokens of "1".."5" that begin a T5 answer: the digit's own encoding when it is one token
// (SentencePiece writes the answer "4" as "▁4"), else the token whose text is exactly the
// digit, else "▁" + digit. Error when one is missing.
std::vector<std::int32_t> rating_token_ids(const Tokenizer& tokenizer);

}  // namespace reasonrec::engine
