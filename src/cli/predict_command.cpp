#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "data/example_io.hpp"
#include "eval/prediction.hpp"
#include "llm/cache.hpp"
#include "llm/cached_backend.hpp"
#include "llm/config.hpp"
#include "llm/openai_client.hpp"
#include "llm/predict.hpp"
#include "util/error.hpp"
#ifdef REASONREC_HAVE_TORCH
#include "engine/local_model.hpp"
#endif

namespace reasonrec::cli {

namespace {

struct PredictArgs {
  std::string examples;
  std::string out;
  std::string cache;
  std::string config;
  std::vector<std::string> base_urls;
  std::string model;
  std::string api;
  std::string api_key_env;
  std::string mode = "cot";
  std::string ablation = "none";
  std::size_t shots = 0;
  std::uint64_t shot_seed = 0;
  std::string domain = "beauty";
  std::string template_file;
  std::size_t budget = 0;
  std::string split = "all";
  std::size_t limit = 0;
  int samples = 1;
  double temperature = 0.0;
  double top_p = 1.0;
  int max_tokens = 512;
  std::uint64_t seed = 0;
  int top_logprobs = 0;
  std::vector<std::string> stop;
  int concurrency = 0;
  double timeout_s = 0;
  double rpm = -1;
  double tpm = -1;
  int max_attempts = 0;
  bool stream = false;
  bool verbose = false;
  std::string progress = "auto";
  // Which options were given (CLI11 counts), so that flags override the config file.
  CLI::Option* shots_opt = nullptr;
  CLI::Option* stream_opt = nullptr;
};

ProgressMode parse_progress(const std::string& name) {
  if (name == "auto") return ProgressMode::Auto;
  if (name == "terminal") return ProgressMode::Terminal;
  if (name == "lines") return ProgressMode::Lines;
  if (name == "silent" || name == "none") return ProgressMode::Silent;
  throw UsageError("--progress must be auto, terminal, lines or silent");
}

// `--model DIR` naming a model directory (config.json inside) runs the in-process engine.
bool is_local_model(const std::string& model) {
  return !model.empty() &&
         std::filesystem::is_regular_file(std::filesystem::path(model) / "config.json");
}

llm::BackendConfig backend_config(const PredictArgs& a) {
  llm::BackendConfig c;
  if (!a.config.empty()) c = llm::load_backend_config(a.config);
  if (!a.base_urls.empty()) c.client.base_urls = a.base_urls;
  if (!a.model.empty()) c.model = a.model;
  if (!a.api.empty()) c.api = llm::parse_api(a.api);
  if (!a.api_key_env.empty()) {
    c.api_key_env = a.api_key_env;
    c.api_key_env_explicit = true;
  }
  auto& o = c.client;
  if (a.concurrency > 0) o.concurrency = a.concurrency;
  if (a.timeout_s > 0) {
    o.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(a.timeout_s * 1000));
  }
  if (a.rpm >= 0) o.requests_per_minute = a.rpm;
  if (a.tpm >= 0) o.tokens_per_minute = a.tpm;
  if (a.max_attempts > 0) o.max_attempts = a.max_attempts;
  if (a.stream_opt->count() > 0) o.stream = a.stream;
  if (o.base_urls.empty() && !is_local_model(c.model)) {
    throw UsageError("predict needs --base-url (or base_url in --config), or --model DIR");
  }
  if (c.model.empty()) throw UsageError("predict needs --model (or model in --config)");
  return c;
}

void run_predict_command(const PredictArgs& a) {
  llm::BackendConfig config = backend_config(a);
  llm::PredictOptions options;
  options.spec = llm::resolve_mode(
      a.mode, a.ablation, a.shots_opt->count() > 0 ? std::optional(a.shots) : std::nullopt);
  options.domain = a.domain;
  options.template_file = a.template_file;
  options.budget = a.budget;
  options.shot_seed = a.shot_seed;
  options.split = a.split;
  options.limit = a.limit;
  options.model = config.model;
  options.api = config.api;
  options.samples = a.samples;
  options.params.temperature = a.temperature;
  options.params.top_p = a.top_p;
  options.params.max_tokens = a.max_tokens;
  options.params.seed = a.seed;
  options.params.top_logprobs = a.top_logprobs;
  options.params.stop = a.stop;
  options.prices = config.prices;
  options.progress = parse_progress(a.progress);
  if (a.samples < 1) throw UsageError("--samples must be at least 1");
  if (a.max_tokens < 1) throw UsageError("--max-tokens must be at least 1");
  if (a.top_logprobs < 0 || a.top_logprobs > 20) throw UsageError("--top-logprobs must be 0..20");

  const bool local = is_local_model(config.model);
  if (!local) config.client.api_key = llm::resolve_api_key(config);
  config.client.seed = a.seed;
  if (a.verbose)
    config.client.on_notice = [](const std::string& line) { std::cerr << line << "\n"; };

  const std::string cache_path =
      !a.cache.empty() ? a.cache
                       : (std::filesystem::path(a.out).parent_path() / "llm-cache.sqlite").string();
  const auto examples = data::read_examples(a.examples);
  llm::ResponseCache cache(cache_path);
  std::unique_ptr<llm::Backend> inner;
  llm::OpenAIClient* client = nullptr;
  if (local) {
#ifdef REASONREC_HAVE_TORCH
    // Before loading: a model that cannot take chat requests (T5 without a chat template)
    // fails here with what to do instead, not once per request.
    if (config.api == llm::Api::Chat) (void)engine::model_chat_template(config.model);
    inner = engine::make_local_backend(config.model);
#else
    throw UsageError("--model " + config.model +
                     " is a model directory, but this build has no in-process engine "
                     "(REASONREC_TORCH=OFF)");
#endif
  } else {
    auto http = std::make_unique<llm::OpenAIClient>(config.client);
    client = http.get();
    inner = std::move(http);
  }
  llm::CachedBackend backend(*inner, cache);
  const auto outcome = llm::run_predict(examples, options, backend);
  eval::write_predictions(a.out, outcome.predictions);

  const auto& cs = backend.stats();
  const llm::ClientStats stats = client ? client->stats() : llm::ClientStats{};
  std::cerr << fmt::format(
      "predict {}: {} examples x {} samples = {} predictions; {} from the cache, {} sent; {} "
      "failed, {} unparsed, {} with rating probabilities; wrote {}\n",
      options.spec.label, outcome.examples, a.samples, outcome.predictions.size(), cs.hits, cs.sent,
      outcome.failed, outcome.unparsed, outcome.with_probabilities, a.out);
  std::cerr << "usage: " << llm::format_usage(outcome.usage) << "\n";
  if (stats.retries > 0) {
    std::string faults;
    for (const auto& [name, n] : stats.faults) faults += fmt::format(" {} {}", name, n);
    std::cerr << fmt::format("retries: {} (faults:{})\n", stats.retries, faults);
  }
  if (outcome.over_budget > 0) {
    std::cerr << fmt::format("warning: {} prompts are over the --budget even at their smallest\n",
                             outcome.over_budget);
  }
  if (outcome.failed > 0) {
    throw Error(fmt::format(
        "{} of {} samples failed (the reason is in parse_status); rerun the same command to "
        "retry only those: finished samples come from the cache {}",
        outcome.failed, outcome.predictions.size(), cache_path));
  }
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict",
      "Predict ratings with an LLM behind an OpenAI-compatible endpoint (vLLM, llama.cpp, "
      "Ollama, OpenAI, ...): predictions.jsonl, resumable through a response cache");
  cmd->add_option("--examples", a->examples, "examples.jsonl (from `reasonrec prepare`)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", a->out, "predictions.jsonl to write")->required();
  cmd->add_option("--base-url", a->base_urls,
                  "Server base URL, e.g. http://127.0.0.1:8000/v1; repeat for a fleet");
  cmd->add_option("--model", a->model, "Model name sent to the server");
  cmd->add_option("--config", a->config, "Backend settings and price table (TOML, docs/llm.md)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--api", a->api, "chat (default) or completions");
  cmd->add_option("--api-key-env", a->api_key_env,
                  "Environment variable with the API key (default OPENAI_API_KEY, optional)");
  cmd->add_option("--cache", a->cache,
                  "Response cache (SQLite); default llm-cache.sqlite beside --out");
  cmd->add_option("--mode", a->mode,
                  "cot, direct, kshot (one-shot), no-review, no-review-rating, no-description")
      ->capture_default_str();
  cmd->add_option("--ablation", a->ablation,
                  "none, no-review, no-review-rating or no-description (with any mode)")
      ->capture_default_str();
  a->shots_opt = cmd->add_option("--shots", a->shots,
                                 "Worked examples from the file's train split (kshot: 1)");
  cmd->add_option("--shot-seed", a->shot_seed, "Seed of the worked-example draw")
      ->capture_default_str();
  cmd->add_option("--domain", a->domain, "beauty / product or movies (prompt wording)")
      ->capture_default_str();
  cmd->add_option("--template", a->template_file, "Template file instead of the built-in one")
      ->check(CLI::ExistingFile);
  cmd->add_option("--budget", a->budget, "Prompt token budget (estimated); 0 = none");
  cmd->add_option("--split", a->split, "Which examples to predict: all, train or test")
      ->capture_default_str();
  cmd->add_option("--limit", a->limit, "Only the first N selected examples");
  cmd->add_option("--samples", a->samples, "Samples per example (e.g. 8 for distillation)")
      ->capture_default_str();
  cmd->add_option("--temperature", a->temperature, "Sampling temperature")->capture_default_str();
  cmd->add_option("--top-p", a->top_p, "Nucleus sampling")->capture_default_str();
  cmd->add_option("--max-tokens", a->max_tokens, "Tokens to generate at most")
      ->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed; sample i is sent seed + i")->capture_default_str();
  cmd->add_option("--top-logprobs", a->top_logprobs,
                  "Ask for this many alternatives per token (5 gives P(1..5) at the rating)")
      ->capture_default_str();
  cmd->add_option("--stop", a->stop, "Stop sequence (repeatable)");
  cmd->add_option("--concurrency", a->concurrency, "Requests in flight (default 16)");
  cmd->add_option("--timeout", a->timeout_s, "Seconds per attempt (default 120)");
  cmd->add_option("--rpm", a->rpm, "Requests per minute at most (0 = unlimited)");
  cmd->add_option("--tpm", a->tpm, "Tokens per minute at most (0 = unlimited)");
  cmd->add_option("--max-attempts", a->max_attempts, "Attempts per sample (default 6)");
  a->stream_opt =
      cmd->add_flag("--stream,!--no-stream", a->stream, "Stream responses (server-sent events)");
  cmd->add_option("--progress", a->progress, "auto, terminal, lines or silent")
      ->capture_default_str();
  cmd->add_flag("--verbose", a->verbose, "Print every retry");
  cmd->callback([a] { run_predict_command(*a); });
}

}  // namespace reasonrec::cli
