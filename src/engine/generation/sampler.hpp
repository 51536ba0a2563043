#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/generation/types.hpp"
#include "util/random.hpp"

namespace reasonrec::engine {

// Picks the next token from one position's logits: greedy at temperature <= 0 (no random
// draw), otherwise softmax(logits / temperature) restricted to the top_k most likely tokens
// and then to the smallest most-likely set whose mass reaches top_p, from exactly one draw of
// `rng`. Ties order by token id, so the result is the same on every platform.
std::int32_t sample_token(std::span<const float> logits, const SamplingParams& params, Rng& rng);

// log softmax(logits), computed in double.
std::vector<float> log_softmax(std::span<const float> logits);

// The k largest entries (ties: lower id first).
std::vector<TokenChoice> top_entries(std::span<const float> values, int k);

}  // namespace reasonrec::engine
