#pragma once

// Torch-free request and result types of the generation engine.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/constraint/token_constraint.hpp"

namespace reasonrec::engine {

struct SamplingParams {
  double temperature = 0.0;  // <= 0: greedy (the first maximal logit)
  double top_p = 1.0;        // nucleus mass kept, in (0, 1]
  int top_k = 0;             // 0: all tokens
};

// One prompt to continue, `n` times.
struct GenerationSpec {
  std::vector<std::int32_t> prompt;  // token ids, special tokens included; not empty
  int max_new_tokens = 256;
  SamplingParams sampling;
  std::vector<std::string> stop;             // stop strings, matched on the decoded text
  std::vector<std::int32_t> stop_token_ids;  // stop tokens besides the model's end-of-sequence
  bool ignore_eos = false;                   // keep going past end-of-sequence tokens
  int n = 1;
  // Sample i draws its random numbers from Rng(seed + i) alone, so its tokens do not depend on
  // which other prompts or samples share the batch.
  std::uint64_t seed = 0;
  int top_logprobs = -1;  // < 0: no log-probabilities; k >= 0: chosen token's and k alternatives
  // When set, every sampled token keeps the text a prefix of the constraint's language and
  // leaves room to complete it within max_new_tokens (docs/constraints.md); the generation
  // stops as soon as the text is complete. Log-probabilities stay the model's own.
  std::shared_ptr<const TokenConstraint> constraint;
};

struct TokenChoice {
  std::int32_t id = 0;
  float logprob = 0.0f;
};

// A generated token with its log-probability under the model (temperature 1, before top-k/p)
// and the most likely alternatives at that position.
struct GeneratedToken {
  std::int32_t id = 0;
  float logprob = 0.0f;
  std::vector<TokenChoice> top;
};

struct Generation {
  std::vector<std::int32_t> tokens;      // generated ids; a stopping token is not included
  std::string text;                      // their bytes, stop string and everything after it cut
  std::string finish_reason;             // "stop" (end of sequence, stop token or string), "length"
  std::int32_t stop_token = -1;          // the token that ended it, if one did
  std::vector<GeneratedToken> logprobs;  // when top_logprobs >= 0
};

// Log-probability of `continuation` following `prompt`.
struct ContinuationSpec {
  std::vector<std::int32_t> prompt;  // not empty
  std::vector<std::int32_t> continuation;
};

struct ContinuationScore {
  double total_logprob = 0.0;
  std::vector<float> token_logprobs;  // one per continuation token
};

}  // namespace reasonrec::engine
