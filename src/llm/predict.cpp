#include "llm/predict.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

#include "llm/rating_distribution.hpp"
#include "prompt/budget.hpp"
#include "prompt/builtin_templates.hpp"
#include "prompt/parse_rating.hpp"
#include "prompt/prompt.hpp"
#include "prompt/shots.hpp"
#include "util/error.hpp"

namespace reasonrec::llm {

namespace {

std::string shots_label(std::size_t shots) {
  return shots == 1 ? "one-shot" : std::to_string(shots) + "-shot";
}

bool is_ablation_name(const std::string& name) {
  try {
    return prompt::parse_ablation(name) != prompt::Ablation::None;
  } catch (const UsageError&) {
    return false;
  }
}

std::vector<Message> to_messages(const prompt::Prompt& p) {
  std::vector<Message> out;
  for (const auto& m : p.messages)
    out.push_back({std::string(prompt::role_name(m.role)), m.content});
  return out;
}

// The request a rendered prompt becomes (without its samples' bookkeeping).
GenerationRequest request_for(const prompt::Prompt& rendered, const PredictOptions& options) {
  GenerationRequest req;
  req.model = options.model;
  req.api = options.api;
  if (options.api == Api::Chat) {
    req.messages = to_messages(rendered);
  } else {
    req.prompt = prompt::to_completion(rendered);
  }
  req.params = options.params;
  req.n = options.samples;
  return req;
}

// A model's own token counts, for the budget: texts on their own, and whole prompts as the
// model is fed them (chat template and special tokens included).
class ModelTextCounter final : public prompt::TokenCounter {
 public:
  explicit ModelTextCounter(const InProcessBackend& model) : model_(model) {}
  std::size_t count(std::string_view text) const override { return model_.text_tokens(text); }
  std::string_view name() const override { return "model"; }

 private:
  const InProcessBackend& model_;
};

class ModelPromptCounter final : public prompt::PromptCounter {
 public:
  ModelPromptCounter(const InProcessBackend& model, const PredictOptions& options)
      : model_(model), options_(options) {}
  std::size_t count(const prompt::Prompt& p) const override {
    return model_.prompt_tokens(request_for(p, options_));
  }

 private:
  const InProcessBackend& model_;
  const PredictOptions& options_;
};

class PredictSink final : public CompletionSink {
 public:
  PredictSink(std::vector<std::vector<Completion>>& slots, Progress& progress,
              UsageAccumulator& usage, int first_sample)
      : slots_(slots), progress_(progress), usage_(usage), first_sample_(first_sample) {}

  void on_completion(Completion c) override {
    usage_.add(c);
    if (!c.ok) progress_.add_failures(1);
    progress_.add(1);
    auto& slot = slots_.at(c.request).at(static_cast<std::size_t>(c.sample - first_sample_));
    slot = std::move(c);
  }

 private:
  std::vector<std::vector<Completion>>& slots_;
  Progress& progress_;
  UsageAccumulator& usage_;
  int first_sample_;
};

}  // namespace

ModeSpec resolve_mode(const std::string& mode, const std::string& ablation,
                      std::optional<std::size_t> shots) {
  ModeSpec spec;
  std::size_t mode_shots = 0;
  prompt::Ablation mode_ablation = prompt::Ablation::None;
  if (mode == "cot") {
    spec.mode = prompt::Mode::Cot;
  } else if (mode == "direct") {
    spec.mode = prompt::Mode::Direct;
  } else if (mode == "kshot" || mode == "one-shot" || mode == "k-shot") {
    spec.mode = prompt::Mode::Cot;
    mode_shots = 1;
  } else if (is_ablation_name(mode)) {
    spec.mode = prompt::Mode::Cot;
    mode_ablation = prompt::parse_ablation(mode);
  } else {
    throw UsageError("unknown mode '" + mode +
                     "': expected cot, direct, kshot (one-shot), no-review, no-review-rating or "
                     "no-description");
  }
  spec.ablation = prompt::parse_ablation(ablation);
  if (mode_ablation != prompt::Ablation::None) {
    if (spec.ablation != prompt::Ablation::None && spec.ablation != mode_ablation) {
      throw UsageError("--mode " + mode + " contradicts --ablation " + ablation);
    }
    spec.ablation = mode_ablation;
  }
  spec.shots = shots ? *shots : mode_shots;
  if (mode_shots > 0 && spec.shots == 0) {
    throw UsageError("--mode " + mode + " needs at least one shot (--shots)");
  }

  std::vector<std::string> parts;
  if (spec.mode == prompt::Mode::Direct ||
      (spec.shots == 0 && spec.ablation == prompt::Ablation::None)) {
    parts.push_back(std::string(prompt::mode_name(spec.mode)));
  }
  if (spec.shots > 0) parts.push_back(shots_label(spec.shots));
  if (spec.ablation != prompt::Ablation::None) {
    parts.push_back(std::string(prompt::ablation_name(spec.ablation)));
  }
  for (const auto& p : parts) spec.label += (spec.label.empty() ? "" : "+") + p;
  return spec;
}

std::size_t prompt_token_limit(const PredictOptions& options) {
  std::size_t limit = options.budget;
  if (options.model_tokens && options.fit_context) {
    const std::size_t context = options.model_tokens->context_length();
    if (context > 0) {
      const auto answer = static_cast<std::size_t>(std::max(options.params.max_tokens, 0));
      if (answer >= context) {
        throw UsageError(fmt::format(
            "--max-tokens {} leaves no room for a prompt in the model's context of {} tokens; "
            "ask for fewer",
            answer, context));
      }
      limit = limit == 0 ? context - answer : std::min(limit, context - answer);
    }
  }
  return limit;
}

std::vector<GenerationRequest> build_requests(const std::vector<data::Example>& pool,
                                              const std::vector<data::Example>& targets,
                                              const PredictOptions& options, FitReport* report) {
  const prompt::Template tmpl =
      options.template_file.empty()
          ? prompt::load_builtin_template(prompt::template_name(options.spec.mode))
          : prompt::load_template_file(options.template_file);
  const prompt::Domain domain = prompt::domain_by_name(options.domain);
  const std::size_t limit = prompt_token_limit(options);
  if (report) report->limit = limit;
  const prompt::EstimateTokenCounter estimate;
  const prompt::CompletionFormCounter estimate_prompt(estimate);
  std::optional<ModelTextCounter> model_text;
  std::optional<ModelPromptCounter> model_prompt;
  if (options.model_tokens) {
    model_text.emplace(*options.model_tokens);
    model_prompt.emplace(*options.model_tokens, options);
  }
  const prompt::TokenCounter& text_counter =
      model_text ? static_cast<const prompt::TokenCounter&>(*model_text) : estimate;
  const prompt::PromptCounter& prompt_counter =
      model_prompt ? static_cast<const prompt::PromptCounter&>(*model_prompt) : estimate_prompt;

  std::vector<GenerationRequest> requests;
  requests.reserve(targets.size());
  for (const auto& target : targets) {
    prompt::PromptRequest pr;
    pr.domain = domain;
    pr.ablation = options.spec.ablation;
    pr.target.example = target;
    if (options.spec.shots > 0) {
      pr.shots = prompt::select_shots(pool, target, options.spec.shots, options.shot_seed);
    }
    prompt::Prompt rendered;
    if (limit > 0) {
      prompt::BudgetOptions budget;
      budget.max_tokens = limit;
      auto fitted = prompt::fit_to_budget(tmpl, pr, text_counter, prompt_counter, budget);
      if (report) {
        if (!fitted.report.fits) ++report->over_budget;
        if (fitted.report.fields_trimmed > 0 || fitted.report.items_dropped > 0) ++report->trimmed;
      }
      rendered = std::move(fitted.prompt);
    } else {
      rendered = prompt::build_prompt(tmpl, pr);
    }
    requests.push_back(request_for(rendered, options));
  }
  return requests;
}

eval::Prediction make_prediction(const data::Example& example, const Completion& c,
                                 const PredictOptions& options, const std::string& backend) {
  eval::Prediction p;
  p.example_id = example.id;
  p.split = example.split;
  p.mode = options.spec.label;
  p.model = options.model;
  p.backend = backend;
  p.sample = c.sample;
  p.seed = sample_seed(options.params, c.sample);
  p.true_rating = example.rating;
  if (!c.ok) {
    p.parse_status = "request_failed: " + c.error;
    return p;
  }
  p.raw = c.text;
  const auto parsed = prompt::parse_rating(c.text);
  p.rating = parsed.rating;
  p.reasoning = parsed.reasoning;
  p.parse_status = parsed.parsed()
                       ? std::string(prompt::source_name(parsed.source))
                       : "unparsed:" + std::string(prompt::failure_name(parsed.failure));
  if (parsed.rating && c.logprobs) {
    if (auto dist = rating_distribution(*c.logprobs, *parsed.rating)) {
      p.probabilities = *dist;
      p.expected_rating = expected_rating(*dist);
    }
  }
  p.usage["prompt_tokens"] = static_cast<double>(c.usage.prompt_tokens);
  p.usage["completion_tokens"] = static_cast<double>(c.usage.completion_tokens);
  return p;
}

PredictOutcome run_predict(const std::vector<data::Example>& examples,
                           const PredictOptions& options, Backend& backend) {
  if (options.samples < 1) throw UsageError("--samples must be at least 1");
  if (options.split != "all" && options.split != "train" && options.split != "test") {
    throw UsageError("--split must be all, train or test");
  }
  std::vector<data::Example> targets;
  for (const auto& e : examples) {
    if (options.split != "all" && e.split != options.split) continue;
    targets.push_back(e);
    if (options.limit > 0 && targets.size() == options.limit) break;
  }
  PredictOutcome outcome;
  outcome.examples = targets.size();
  FitReport fit;
  const auto requests = build_requests(examples, targets, options, &fit);
  outcome.over_budget = fit.over_budget;
  outcome.trimmed = fit.trimmed;
  outcome.prompt_limit = fit.limit;

  // Pre-filled as failures so that a sample the backend never reports cannot vanish.
  std::vector<std::vector<Completion>> slots(requests.size());
  for (std::size_t r = 0; r < requests.size(); ++r) {
    for (int s = 0; s < options.samples; ++s) {
      Completion missing;
      missing.request = r;
      missing.sample = s;
      missing.error = "the backend reported no completion";
      slots[r].push_back(std::move(missing));
    }
  }
  UsageAccumulator usage;
  {
    ProgressOptions po;
    po.label = "predict";
    po.total = requests.size() * static_cast<std::size_t>(options.samples);
    po.unit = "samples";
    po.mode = options.progress;
    Progress progress(po);
    PredictSink sink(slots, progress, usage, 0);
    backend.generate(requests, sink);
    progress.finish();
  }
  for (std::size_t r = 0; r < targets.size(); ++r) {
    for (const auto& c : slots[r]) {
      auto p = make_prediction(targets[r], c, options, backend.name());
      if (!c.ok) {
        ++outcome.failed;
      } else if (!p.rating) {
        ++outcome.unparsed;
      }
      if (p.probabilities) ++outcome.with_probabilities;
      outcome.predictions.push_back(std::move(p));
    }
  }
  outcome.usage = usage.summary(options.model, options.prices);
  return outcome;
}

}  // namespace reasonrec::llm
