#pragma once

// Internal to the engine: what one sample does with the next-token logits of one step
// (constraint masking, sampling, end-of-sequence and stop tokens, log-probabilities, text,
// stop strings, constraint completion, length limits). The batched Generator and the serving
// scheduler both decode through it, so a sample's tokens do not depend on which one runs it.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/generation/types.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "util/random.hpp"

namespace reasonrec::engine {

// What every sample of a model shares.
struct DecodeRules {
  const Tokenizer* tokenizer = nullptr;
  std::span<const std::int32_t> eos_ids;  // end-of-sequence tokens of the model
  std::int64_t context_limit = 0;         // positions a sequence may use; 0: unlimited
};

// Error for a prompt the model cannot continue: empty, a token outside the vocabulary, longer
// than the context.
void check_prompt(std::span<const std::int32_t> prompt, std::int64_t vocab_size,
                  std::int64_t context_limit);

// A generation's text written as a text of its own rather than the continuation of one: the
// first token as at the start of a text, where SentencePiece's "▁" adds no space (what the
// tokenizer's decode, transformers and llama2.c write for the tokens: "4" for ["▁4"], while
// token_bytes, the middle-of-text bytes, give " 4"). For T5 answers and a decoder's output after
// an empty prompt. Otherwise g.text as it is.
void drop_start_space(const Tokenizer& tokenizer, Generation& g);

// The decoding state of sample `sample` of `spec` (which must outlive it).
class SampleDecoder {
 public:
  SampleDecoder(const GenerationSpec& spec, int sample);

  // Picks the next token from `logits` (the model's, after the prompt and the tokens so far).
  // True when the sequence goes on: feed next_token() at next_position() to get the next
  // logits. False when it has finished (result().finish_reason says why).
  bool step(std::span<const float> logits, const DecodeRules& rules);

  // Ends the sample now with `reason` (a request cancelled).
  void stop(std::string reason);

  bool done() const { return done_; }
  // Whether the last step added a token to result().tokens (a stopping token is not added).
  bool appended() const { return appended_; }
  std::int32_t next_token() const { return result_.tokens.back(); }
  std::int64_t next_position() const { return next_position_ - 1; }  // rotary position
  int sample() const { return sample_; }
  const GenerationSpec& spec() const { return *spec_; }
  const Generation& result() const { return result_; }
  Generation take_result() { return std::move(result_); }

 private:
  void finish(const char* reason) {
    result_.finish_reason = reason;
    done_ = true;
  }

  const GenerationSpec* spec_;
  int sample_ = 0;
  Rng rng_;
  std::int64_t next_position_ = 0;  // position of the token after the last one
  int constraint_state_ = 0;
  Generation result_;
  bool done_ = false;
  bool appended_ = false;
};

}  // namespace reasonrec::engine
