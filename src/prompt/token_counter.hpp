#pragma once

#include <cstddef>
#include <string_view>

namespace reasonrec::prompt {

// Counts the tokens a model would see for a text. The budget logic only needs this, so the
// engine's real tokenizer can replace the estimate without touching the prompt code.
class TokenCounter {
 public:
  virtual ~TokenCounter() = default;
  virtual std::size_t count(std::string_view text) const = 0;
  virtual std::string_view name() const = 0;
};

// A tokenizer-free estimate: the larger of 4/3 tokens per whitespace-separated word and one
// token per 4 bytes (both round up). English BPE text averages about 0.75 words, or 4 bytes,
// per token; taking the larger keeps long words, URLs and non-Latin scripts from being
// undercounted.
class EstimateTokenCounter final : public TokenCounter {
 public:
  std::size_t count(std::string_view text) const override;
  std::string_view name() const override { return "estimate"; }
};

}  // namespace reasonrec::prompt
