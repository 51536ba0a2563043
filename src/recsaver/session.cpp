#include "recsaver/session.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "prompt/budget.hpp"
#include "prompt/builtin_templates.hpp"
#include "prompt/token_counter.hpp"
#include "util/error.hpp"

namespace reasonrec::recsaver {

namespace {

std::vector<llm::Message> to_messages(const prompt::Prompt& p) {
  std::vector<llm::Message> out;
  for (const auto& m : p.messages)
    out.push_back({std::string(prompt::role_name(m.role)), m.content});
  return out;
}

llm::GenerationRequest request_for(const prompt::Prompt& rendered, const std::string& model,
                                   llm::Api api, const llm::GenerationParams& params, int n) {
  llm::GenerationRequest req;
  req.model = model;
  req.api = api;
  if (api == llm::Api::Chat) {
    req.messages = to_messages(rendered);
  } else {
    req.prompt = prompt::to_completion(rendered);
  }
  req.params = params;
  req.n = n;
  return req;
}

class ModelTextCounter final : public prompt::TokenCounter {
 public:
  explicit ModelTextCounter(const llm::InProcessBackend& model) : model_(model) {}
  std::size_t count(std::string_view text) const override { return model_.text_tokens(text); }
  std::string_view name() const override { return "model"; }

 private:
  const llm::InProcessBackend& model_;
};

class ModelPromptCounter final : public prompt::PromptCounter {
 public:
  ModelPromptCounter(const llm::InProcessBackend& model, std::string name, llm::Api api,
                     llm::GenerationParams params)
      : model_(model), name_(std::move(name)), api_(api), params_(std::move(params)) {}
  std::size_t count(const prompt::Prompt& p) const override {
    return model_.prompt_tokens(request_for(p, name_, api_, params_, 1));
  }

 private:
  const llm::InProcessBackend& model_;
  std::string name_;
  llm::Api api_;
  llm::GenerationParams params_;
};

class SlotSink final : public llm::CompletionSink {
 public:
  SlotSink(std::vector<std::vector<llm::Completion>>& slots,
           const std::vector<llm::GenerationRequest>& requests, Progress& progress)
      : slots_(slots), requests_(requests), progress_(progress) {}
  void on_completion(llm::Completion c) override {
    if (!c.ok) progress_.add_failures(1);
    progress_.add(1);
    const auto& req = requests_.at(c.request);
    auto& slot = slots_.at(c.request).at(static_cast<std::size_t>(c.sample - req.first_sample));
    slot = std::move(c);
  }

 private:
  std::vector<std::vector<llm::Completion>>& slots_;
  const std::vector<llm::GenerationRequest>& requests_;
  Progress& progress_;
};

}  // namespace

BackendSession::BackendSession(const BackendSettings& settings)
    : model_(settings.backend.model), api_(settings.backend.api) {
  if (model_.empty()) throw UsageError("recsaver needs --model (or model in --config)");
  const bool local = llm::is_model_dir(model_);
  if (local) {
    if (!settings.load_model) {
      throw UsageError("--model " + model_ +
                       " is a model directory, but this build has no in-process engine "
                       "(REASONREC_TORCH=OFF)");
    }
    auto model = settings.load_model(model_, settings.in_process);
    in_process_ = model.get();
    inner_ = std::move(model);
  } else {
    if (settings.backend.client.base_urls.empty()) {
      throw UsageError("recsaver needs --base-url (or base_url in --config), or --model DIR");
    }
    llm::ClientOptions options = settings.backend.client;
    if (options.api_key.empty()) options.api_key = llm::resolve_api_key(settings.backend);
    options.seed = settings.jitter_seed;
    auto http = std::make_unique<llm::OpenAIClient>(std::move(options));
    client_ = http.get();
    inner_ = std::move(http);
  }
  cache_path_ = settings.cache;
  cache_ = std::make_unique<llm::ResponseCache>(cache_path_);
  cached_ = std::make_unique<llm::CachedBackend>(*inner_, *cache_);
}

BackendSession::~BackendSession() = default;

std::optional<llm::ClientStats> BackendSession::client_stats() const {
  if (!client_) return std::nullopt;
  return client_->stats();
}

struct PromptMaker::Counters {
  prompt::EstimateTokenCounter estimate;
  prompt::CompletionFormCounter estimate_prompt{estimate};
  std::optional<ModelTextCounter> model_text;
  std::optional<ModelPromptCounter> model_prompt;
  const prompt::TokenCounter& text() const {
    return model_text ? static_cast<const prompt::TokenCounter&>(*model_text) : estimate;
  }
  const prompt::PromptCounter& whole() const {
    return model_prompt ? static_cast<const prompt::PromptCounter&>(*model_prompt)
                        : estimate_prompt;
  }
};

PromptMaker::PromptMaker(prompt::Mode mode, const PromptSettings& settings,
                         const BackendSession& session, const llm::GenerationParams& params)
    : template_(prompt::load_builtin_template(prompt::template_name(mode))),
      domain_(prompt::domain_by_name(settings.domain)),
      session_(session),
      params_(params),
      counters_(std::make_unique<Counters>()) {
  limit_ = settings.budget;
  if (const llm::InProcessBackend* model = session.in_process()) {
    llm::GenerationRequest probe;
    probe.model = session.model();
    probe.api = session.api();
    probe.params = params;
    model->validate(probe);
    counters_->model_text.emplace(*model);
    counters_->model_prompt.emplace(*model, session.model(), session.api(), params);
    const std::size_t context = model->context_length();
    if (settings.fit_context && context > 0) {
      const auto answer = static_cast<std::size_t>(std::max(params.max_tokens, 0));
      if (answer >= context) {
        throw UsageError(fmt::format(
            "max tokens {} leave no room for a prompt in the model's context of {} tokens", answer,
            context));
      }
      limit_ = limit_ == 0 ? context - answer : std::min(limit_, context - answer);
    }
  } else if (!params.constraint.empty()) {
    throw UsageError(
        "an output constraint applies to a model run in-process (--model DIR); for a server, "
        "start it with its own constraint");
  }
}

PromptMaker::~PromptMaker() = default;

llm::GenerationRequest PromptMaker::make(const data::Example& example,
                                         const std::string& explanation, int n) const {
  prompt::PromptRequest pr;
  pr.domain = domain_;
  pr.target.example = example;
  pr.explanation = explanation;
  prompt::Prompt rendered;
  if (limit_ > 0) {
    prompt::BudgetOptions budget;
    budget.max_tokens = limit_;
    auto fitted =
        prompt::fit_to_budget(template_, pr, counters_->text(), counters_->whole(), budget);
    if (!fitted.report.fits) ++over_budget_;
    if (fitted.report.fields_trimmed > 0 || fitted.report.items_dropped > 0) ++trimmed_;
    rendered = std::move(fitted.prompt);
  } else {
    rendered = prompt::build_prompt(template_, pr);
  }
  return request_for(rendered, session_.model(), session_.api(), params_, n);
}

std::vector<std::vector<llm::Completion>> generate_with_progress(
    BackendSession& session, const std::vector<llm::GenerationRequest>& requests,
    const std::string& label, ProgressMode progress_mode) {
  std::vector<std::vector<llm::Completion>> slots(requests.size());
  std::size_t total = 0;
  for (std::size_t r = 0; r < requests.size(); ++r) {
    for (int s = 0; s < requests[r].n; ++s) {
      llm::Completion missing;
      missing.request = r;
      missing.sample = requests[r].first_sample + s;
      missing.error = "the backend reported no completion";
      slots[r].push_back(std::move(missing));
    }
    total += static_cast<std::size_t>(requests[r].n);
  }
  if (requests.empty()) return slots;
  ProgressOptions po;
  po.label = label;
  po.total = total;
  po.unit = "requests";
  po.mode = progress_mode;
  Progress progress(po);
  SlotSink sink(slots, requests, progress);
  session.backend().generate(requests, sink);
  progress.finish();
  return slots;
}

}  // namespace reasonrec::recsaver
