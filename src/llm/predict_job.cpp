#include "llm/predict_job.hpp"

#include <memory>

#include <fmt/format.h>

#include "data/example_io.hpp"
#include "eval/prediction.hpp"
#include "llm/cache.hpp"
#include "util/error.hpp"

namespace reasonrec::llm {

namespace {

void validate(const PredictJob& job, bool in_process) {
  const PredictOptions& o = job.predict;
  if (o.samples < 1) throw UsageError("--samples must be at least 1");
  if (o.params.max_tokens < 1) throw UsageError("--max-tokens must be at least 1");
  if (o.params.top_logprobs < 0 || o.params.top_logprobs > 20) {
    throw UsageError("--top-logprobs must be 0..20");
  }
  if (o.split != "all" && o.split != "train" && o.split != "test") {
    throw UsageError("--split must be all, train or test");
  }
  if (job.backend.model.empty()) throw UsageError("predict needs --model (or model in --config)");
  if (!in_process && !job.in_process.adapter.empty()) {
    throw UsageError("--adapter needs --model to be a model directory (run in-process)");
  }
  if (in_process) {
    if (!job.load_model) {
      throw UsageError("--model " + job.backend.model +
                       " is a model directory, but this build has no in-process engine "
                       "(REASONREC_TORCH=OFF)");
    }
    return;
  }
  if (job.backend.client.base_urls.empty()) {
    throw UsageError("predict needs --base-url (or base_url in --config), or --model DIR");
  }
  if (!job.predict.params.constraint.empty()) {
    throw UsageError(
        "--constraint applies to a model run in-process (--model DIR); for a server, start it "
        "with its own constraint (reasonrec serve --constraint, vLLM's guided decoding)");
  }
}

std::filesystem::path cache_path(const PredictJob& job) {
  if (!job.cache.empty()) return job.cache;
  return job.out.parent_path() / "llm-cache.sqlite";
}

}  // namespace

bool is_model_dir(const std::string& model) {
  return !model.empty() &&
         std::filesystem::is_regular_file(std::filesystem::path(model) / "config.json");
}

PredictJobResult run_predict_job(const PredictJob& job) {
  const bool in_process = is_model_dir(job.backend.model);
  validate(job, in_process);
  PredictOptions options = job.predict;
  options.model = job.backend.model;
  if (!job.in_process.adapter.empty()) {
    // The adapter is part of the model: its answers are cached and recorded apart from the base's.
    options.model += "+adapter:" + job.in_process.adapter.string();
  }
  options.api = job.backend.api;
  options.prices = job.backend.prices;

  PredictJobResult result;
  result.cache = cache_path(job);
  const auto examples = data::read_examples(job.examples.string());

  std::unique_ptr<Backend> inner;
  OpenAIClient* client = nullptr;
  if (in_process) {
    auto model = job.load_model(job.backend.model, job.in_process);
    // Before anything is generated: what the model can never serve (a chat request to T5
    // without a chat template, a bad constraint) fails here with what to do instead, not once
    // per request.
    GenerationRequest probe;
    probe.model = options.model;
    probe.api = options.api;
    probe.params = options.params;
    model->validate(probe);
    options.model_tokens = model.get();
    inner = std::move(model);
  } else {
    ClientOptions client_options = job.backend.client;
    if (client_options.api_key.empty()) client_options.api_key = resolve_api_key(job.backend);
    client_options.seed = options.params.seed.value_or(0);  // of the backoff jitter
    auto http = std::make_unique<OpenAIClient>(std::move(client_options));
    client = http.get();
    inner = std::move(http);
  }

  ResponseCache cache(result.cache);
  CachedBackend backend(*inner, cache);
  result.outcome = run_predict(examples, options, backend);
  eval::write_predictions(job.out.string(), result.outcome.predictions);
  result.backend = backend.name();
  result.cache_stats = backend.stats();
  if (client) result.client = client->stats();
  return result;
}

std::string format_summary(const PredictJob& job, const PredictJobResult& result) {
  const PredictOutcome& o = result.outcome;
  std::string s = fmt::format(
      "predict {}: {} examples x {} samples = {} predictions; {} from the cache, {} sent; {} "
      "failed, {} unparsed, {} with rating probabilities; wrote {}\n",
      job.predict.spec.label, o.examples, job.predict.samples, o.predictions.size(),
      result.cache_stats.hits, result.cache_stats.sent, o.failed, o.unparsed, o.with_probabilities,
      job.out.string());
  s += "usage: " + format_usage(o.usage) + "\n";
  if (result.client && result.client->retries > 0) {
    std::string faults;
    for (const auto& [name, n] : result.client->faults) faults += fmt::format(" {} {}", name, n);
    s += fmt::format("retries: {} (faults:{})\n", result.client->retries, faults);
  }
  if (o.trimmed > 0) {
    s += fmt::format(
        "{} of {} prompts were shortened to fit {} tokens (texts cut with \"[truncated]\", "
        "oldest history items dropped)\n",
        o.trimmed, o.examples, o.prompt_limit);
  }
  if (o.over_budget > 0) {
    s += fmt::format("warning: {} prompts are over the limit of {} tokens even at their smallest\n",
                     o.over_budget, o.prompt_limit);
  }
  return s;
}

std::optional<std::string> failure_message(const PredictJobResult& result) {
  const PredictOutcome& o = result.outcome;
  if (o.failed == 0) return std::nullopt;
  return fmt::format(
      "{} of {} samples failed (the reason is in parse_status); rerun the same command to retry "
      "only those: finished samples come from the cache {}",
      o.failed, o.predictions.size(), result.cache.string());
}

}  // namespace reasonrec::llm
