#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "prompt/builder.hpp"
#include "prompt/token_counter.hpp"

namespace reasonrec::prompt {

// Appended (after a space) to every text the budget shortened.
inline constexpr std::string_view kTruncationMarker = "\xE2\x80\xA6[truncated]";  // "…[truncated]"

// Counts a whole rendered prompt as the model will be fed it. The estimate counts the
// completion form (CompletionFormCounter); a model run in-process counts its chat template's
// rendering with its own tokenizer, special tokens included, so a fitted prompt really fits.
class PromptCounter {
 public:
  virtual ~PromptCounter() = default;
  virtual std::size_t count(const Prompt& prompt) const = 0;
};

// A TokenCounter applied to to_completion(prompt).
class CompletionFormCounter final : public PromptCounter {
 public:
  explicit CompletionFormCounter(const TokenCounter& counter) : counter_(counter) {}
  std::size_t count(const Prompt& prompt) const override;

 private:
  const TokenCounter& counter_;
};

struct BudgetOptions {
  std::size_t max_tokens = 0;         // the prompt must count at most this
  std::size_t min_field_tokens = 32;  // texts are not cut below this before items are dropped
  std::size_t min_history = 1;        // history items every example keeps
};

struct BudgetReport {
  std::size_t tokens_before = 0;
  std::size_t tokens_after = 0;
  std::size_t fields_trimmed = 0;        // descriptions and reviews shortened
  std::size_t items_dropped = 0;         // oldest history items removed, over all examples
  std::optional<std::size_t> field_cap;  // the length texts were cut to, when any were
  bool fits = true;                      // false: even the smallest prompt is over budget
};

struct FittedPrompt {
  Prompt prompt;
  PromptRequest request;  // what was finally rendered
  BudgetReport report;
};

// Keeps the prompt within options.max_tokens. First the longest descriptions and reviews
// (of the target, its history and any worked examples, whose reasons count as reviews; only
// the texts the ablation shows) are cut to a common cap, the largest cap that fits; when even
// min_field_tokens is too much, the oldest history item of the example with the longest history is
// dropped (worked examples before the target on ties) and the cap is searched again. Returns the
// smallest prompt with fits == false when nothing more can go.
FittedPrompt fit_to_budget(const Template& tmpl, const PromptRequest& request,
                           const TokenCounter& counter, const BudgetOptions& options);
// The same with the whole prompt measured by `prompt_counter` (the texts are still cut with
// `text_counter`): what fits is decided by the count the model will see.
FittedPrompt fit_to_budget(const Template& tmpl, const PromptRequest& request,
                           const TokenCounter& text_counter, const PromptCounter& prompt_counter,
                           const BudgetOptions& options);

// `text` cut at a word boundary so it counts at most max_tokens, followed by " …[truncated]";
// unchanged when it already fits. A first word longer than the cap is cut between UTF-8
// characters.
std::string truncate_text(std::string_view text, std::size_t max_tokens,
                          const TokenCounter& counter);

}  // namespace reasonrec::prompt
