#include "engine/generation/decode_step.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "engine/generation/sampler.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

// The logits with every token the constraint forbids here set to -infinity. Empty when the
// constraint allows nothing (the budget cannot be met).
std::vector<float> constrained(std::span<const float> values, const TokenConstraint& constraint,
                               int state, int tokens_left) {
  const auto allowed = constraint.allowed(state, tokens_left);
  if (allowed.empty()) return {};
  std::vector<float> masked(values.size(), -std::numeric_limits<float>::infinity());
  for (std::int32_t t : allowed) {
    if (t >= 0 && static_cast<std::size_t>(t) < values.size()) {
      masked[static_cast<std::size_t>(t)] = values[static_cast<std::size_t>(t)];
    }
  }
  return masked;
}

bool contains(std::span<const std::int32_t> ids, std::int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

void check_prompt(std::span<const std::int32_t> prompt, std::int64_t vocab_size,
                  std::int64_t context_limit) {
  if (prompt.empty()) throw Error("empty prompt: nothing to condition on");
  for (std::int32_t id : prompt) {
    if (id < 0 || id >= vocab_size) {
      throw Error("prompt token id " + std::to_string(id) + " is outside the vocabulary (" +
                  std::to_string(vocab_size) + ")");
    }
  }
  if (context_limit > 0 && static_cast<std::int64_t>(prompt.size()) > context_limit) {
    throw Error("prompt of " + std::to_string(prompt.size()) + " tokens exceeds the context of " +
                std::to_string(context_limit));
  }
}

SampleDecoder::SampleDecoder(const GenerationSpec& spec, int sample)
    : spec_(&spec),
      sample_(sample),
      rng_(spec.seed + static_cast<std::uint64_t>(sample)),
      next_position_(static_cast<std::int64_t>(spec.prompt.size())),
      constraint_state_(spec.constraint ? spec.constraint->start() : 0) {}

void SampleDecoder::stop(std::string reason) {
  result_.finish_reason = std::move(reason);
  done_ = true;
  appended_ = false;
}

bool SampleDecoder::step(std::span<const float> values, const DecodeRules& rules) {
  const GenerationSpec& spec = *spec_;
  Generation& g = result_;
  appended_ = false;
  std::int32_t token = 0;
  if (spec.constraint) {
    const std::vector<float> masked =
        constrained(values, *spec.constraint, constraint_state_,
                    spec.max_new_tokens - static_cast<int>(g.tokens.size()));
    if (masked.empty()) {
      finish("length");
      return false;
    }
    token = sample_token(masked, spec.sampling, rng_);
    constraint_state_ = spec.constraint->advance(constraint_state_, token);
  } else {
    token = sample_token(values, spec.sampling, rng_);
  }
  if ((!spec.ignore_eos && contains(rules.eos_ids, token)) ||
      contains(spec.stop_token_ids, token)) {
    g.stop_token = token;
    finish("stop");
    return false;
  }
  g.tokens.push_back(token);
  appended_ = true;
  if (spec.top_logprobs >= 0) {
    const std::vector<float> lp = log_softmax(values);
    g.logprobs.push_back(
        {token, lp[static_cast<std::size_t>(token)], top_entries(lp, spec.top_logprobs)});
  }
  const std::size_t before = g.text.size();
  if (!rules.tokenizer->is_special(token)) g.text += rules.tokenizer->token_bytes(token);
  for (const std::string& stop : spec.stop) {
    if (stop.empty()) continue;
    // Only a match that ends in the new bytes is new.
    const std::size_t from = before >= stop.size() ? before - stop.size() + 1 : 0;
    const std::size_t at = g.text.find(stop, from);
    if (at != std::string::npos) {
      g.text.resize(at);
      finish("stop");
      return false;
    }
  }
  if (spec.constraint && spec.constraint->complete(constraint_state_)) {
    finish("stop");
    return false;
  }
  ++next_position_;
  if (static_cast<int>(g.tokens.size()) >= spec.max_new_tokens ||
      (rules.context_limit > 0 && next_position_ > rules.context_limit)) {
    finish("length");
    return false;
  }
  return true;
}

void drop_start_space(const Tokenizer& tokenizer, Generation& g) {
  const auto first = std::find_if(g.tokens.begin(), g.tokens.end(),
                                  [&](std::int32_t t) { return !tokenizer.is_special(t); });
  if (first == g.tokens.end() || !g.text.starts_with(' ')) return;
  const std::string middle = tokenizer.token_bytes(*first);
  if (middle.starts_with(' ') &&
      tokenizer.decode(std::span<const std::int32_t>(&*first, 1), true) == middle.substr(1)) {
    g.text.erase(0, 1);
  }
}

}  // namespace reasonrec::engine
