#pragma once

// Internal to the engine (includes torch): batched generation and scoring on a LlamaModel.

#include <cstdint>
#include <span>
#include <vector>

#include "engine/generation/types.hpp"
#include "engine/model/llama.hpp"
#include "engine/tokenizer/tokenizer.hpp"

namespace reasonrec::engine {

struct GeneratorOptions {
  std::vector<std::int32_t> eos_ids;  // end-of-sequence tokens of the model
  std::int64_t context_limit = 0;     // positions the model may use; 0: unlimited
  int max_batch_rows = 16;            // sequences decoded together
};

class Generator {
 public:
  Generator(const LlamaModel& model, const Tokenizer& tokenizer, GeneratorOptions options);

  // Every sample of every spec, as [spec][sample]. Prompts of one batch are left-padded; the
  // padding is masked and rotary positions count real tokens only, so each sequence computes
  // what it would alone. Error for an empty prompt or one that does not fit the context.
  std::vector<std::vector<Generation>> generate(std::span<const GenerationSpec> specs) const;

  std::vector<ContinuationScore> score(std::span<const ContinuationSpec> specs) const;

  // log softmax of the next-token logits after each prompt.
  std::vector<std::vector<float>> next_token_logprobs(
      std::span<const std::vector<std::int32_t>> prompts) const;

  // Logits at every position of one sequence, [position][vocab].
  std::vector<std::vector<float>> logits(std::span<const std::int32_t> ids) const;

 private:
  void generate_chunk(std::span<const GenerationSpec> specs, const std::vector<std::size_t>& chunk,
                      std::vector<std::vector<Generation>>& out) const;
  void check_prompt(const std::vector<std::int32_t>& prompt) const;

  const LlamaModel& model_;
  const Tokenizer& tokenizer_;
  GeneratorOptions options_;
};

}  // namespace reasonrec::engine
