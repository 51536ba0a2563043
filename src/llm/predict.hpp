#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "data/example.hpp"
#include "eval/prediction.hpp"
#include "llm/backend.hpp"
#include "llm/in_process_backend.hpp"
#include "llm/usage.hpp"
#include "prompt/builder.hpp"
#include "util/progress.hpp"

namespace reasonrec::llm {

// A prediction mode resolved into the prompt's parts, with the label written to
// predictions.jsonl as `mode`.
struct ModeSpec {
  prompt::Mode mode = prompt::Mode::Cot;
  prompt::Ablation ablation = prompt::Ablation::None;
  std::size_t shots = 0;
  std::string label;  // "cot", "direct", "one-shot", "3-shot", "no-review", "direct+no-review"
};

// `mode` is cot, direct, kshot (= one-shot unless shots says more), one-shot, or an ablation
// name (no-review, no-review-rating, no-description: cot with that ablation); `ablation` and
// `shots` combine with it. Throws UsageError for unknown names and contradictions.
ModeSpec resolve_mode(const std::string& mode, const std::string& ablation,
                      std::optional<std::size_t> shots);

struct PredictOptions {
  ModeSpec spec;
  std::string domain = "beauty";
  std::string template_file;  // empty: the mode's built-in template
  // Prompt token budget; 0: none. Estimated (EstimateTokenCounter, completion form), or, with
  // `model` set, counted exactly with the model's tokenizer and chat template.
  std::size_t budget = 0;
  std::uint64_t shot_seed = 0;  // worked-example draw
  std::string split = "test";   // which examples get predictions: all, train, test
  std::size_t limit = 0;        // the first N of them; 0: all
  std::string model;
  Api api = Api::Chat;
  GenerationParams params;
  int samples = 1;
  PriceTable prices;
  ProgressMode progress = ProgressMode::Auto;
  // A model run in-process (not owned): prompts are measured with its own tokenizer, and with
  // fit_context each is fitted to its context minus params.max_tokens (the chat template's
  // tokens counted), trimmed with the budget's visible markers.
  const InProcessBackend* model_tokens = nullptr;
  bool fit_context = true;
};

struct PredictOutcome {
  std::vector<eval::Prediction> predictions;  // by example (file order), then sample
  std::size_t examples = 0;
  std::size_t failed = 0;    // samples whose request failed for good
  std::size_t unparsed = 0;  // samples answered without a readable rating
  std::size_t with_probabilities = 0;
  std::size_t over_budget = 0;   // prompts still over the budget after every cut
  std::size_t trimmed = 0;       // prompts shortened to fit (texts cut or history items dropped)
  std::size_t prompt_limit = 0;  // the limit prompts were fitted to (tokens); 0: none
  UsageSummary usage;
};

// What building the requests did to fit the prompts.
struct FitReport {
  std::size_t limit = 0;        // tokens a prompt may have (budget and context); 0: none
  std::size_t over_budget = 0;  // prompts over the limit even at their smallest
  std::size_t trimmed = 0;      // prompts shortened
};

// The most tokens a prompt may have under `options`: the budget, and with a model run
// in-process and fit_context, its context minus params.max_tokens; 0: no limit. UsageError when
// --max-tokens leaves no room in the context.
std::size_t prompt_token_limit(const PredictOptions& options);

// The requests for `targets`: one per example, `samples` samples each.
std::vector<GenerationRequest> build_requests(const std::vector<data::Example>& pool,
                                              const std::vector<data::Example>& targets,
                                              const PredictOptions& options,
                                              FitReport* report = nullptr);

// A prediction from one completion: the parsed rating, reasoning and status, the rating
// distribution when log-probabilities came back, token usage.
eval::Prediction make_prediction(const data::Example& example, const Completion& completion,
                                 const PredictOptions& options, const std::string& backend);

// Predicts every selected example of `examples` through `backend` (usually a CachedBackend,
// which makes a rerun resume), showing progress with rate, ETA and failures.
PredictOutcome run_predict(const std::vector<data::Example>& examples,
                           const PredictOptions& options, Backend& backend);

}  // namespace reasonrec::llm
