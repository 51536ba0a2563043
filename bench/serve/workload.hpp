#pragma once

// The Rec-SAVER workload of bench/serve: per example a reasoning prompt (the paper's cot), an
// explanation prompt (sampled n times) and a verification prompt that judges the first
// explanation, all rendered with the built-in templates and tokenized for one model.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/generation/types.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "prompt/builder.hpp"

namespace reasonrec::bench {

struct WorkloadOptions {
  // The reasoning prompt is fitted to this many tokens (prompt::fit_to_budget with the model's
  // tokenizer: long reviews and descriptions trimmed first), and the same fitted example is
  // used for all three prompts, so their shared prefix survives the fitting.
  std::size_t prompt_budget = 1536;
  int max_new_tokens = 32;
  int explanation_samples = 4;
  double explanation_temperature = 0.8;
  std::uint64_t seed = 1;
};

// One example's three requests. The verification spec exists only once the explanation is
// known (verification_spec), as in the real pipeline.
struct RecSaverExample {
  prompt::PromptRequest request;
  engine::GenerationSpec reasoning;
  engine::GenerationSpec explanation;
};

// `count` test examples of the Amazon 2018 Magazine_Subscriptions 5-core reviews and metadata
// under `data_dir` (../shared/data), read and sampled by the `prepare` stage's own code
// (balanced over ratings, at most 10 history items), in the product domain.
std::vector<prompt::PromptRequest> load_requests(const std::filesystem::path& data_dir, int count,
                                                 std::uint64_t seed);

// The reasoning and explanation specs of `request` fitted to the budget, tokenized with
// `tokenizer`.
RecSaverExample make_example(const prompt::PromptRequest& request, std::size_t index,
                             const engine::Tokenizer& tokenizer, const WorkloadOptions& options);

// The verification spec once the explanation exists: the request rendered with the verify
// template and `explanation` (the text of the first explanation sample, invalid UTF-8
// replaced and outer whitespace trimmed), greedy.
engine::GenerationSpec verification_spec(const RecSaverExample& example,
                                         const std::string& explanation,
                                         const engine::Tokenizer& tokenizer,
                                         const WorkloadOptions& options);

}  // namespace reasonrec::bench
