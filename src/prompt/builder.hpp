#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "data/example.hpp"
#include "prompt/domain.hpp"
#include "prompt/prompt.hpp"
#include "prompt/template.hpp"

namespace reasonrec::prompt {

// Which prompt: the paper's reasoning prompt, direct prediction, or one of the two Rec-SAVER
// prompts (post-hoc explanation of the true rating; rating from an explanation).
enum class Mode { Cot, Direct, Explain, Verify };

// Input ablations of paper Table 3: what the history blocks (and item descriptions) omit.
enum class Ablation { None, NoReview, NoReviewRating, NoDescription };

// "cot", "direct", "explain", "verify"; throws UsageError otherwise.
Mode parse_mode(std::string_view name);
std::string_view mode_name(Mode mode);
// The built-in template a mode uses: "cot", "direct", "recsaver_explain", "recsaver_verify".
std::string_view template_name(Mode mode);

// "none", "no-review", "no-review-rating", "no-description" ('_' also accepted).
Ablation parse_ablation(std::string_view name);
std::string_view ablation_name(Ablation ablation);

// An example as the prompt shows it: possibly with texts trimmed and its oldest history
// items dropped to fit a budget (`history_omitted` counts them, so the prompt can say so).
struct ShownExample {
  data::Example example;
  std::size_t history_omitted = 0;
  std::string reason;  // worked examples only: the reasoning of the shown answer
};

struct PromptRequest {
  Domain domain;
  Ablation ablation = Ablation::None;
  ShownExample target;
  std::vector<ShownExample> shots;  // k-shot worked examples, shown before the target
  std::string explanation;          // verify mode: the explanation to judge
};

// The names a template can use for one example (docs/prompts.md lists them).
Scope example_scope(const PromptRequest& request, const ShownExample& shown);

// Renders the request: [system], then per shot a user turn and its worked answer (the
// template's {{#answer}} with the shot's reason and true rating), then the target's user turn.
Prompt build_prompt(const Template& tmpl, const PromptRequest& request);

}  // namespace reasonrec::prompt
