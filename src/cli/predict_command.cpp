#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "llm/config.hpp"
#include "llm/predict_job.hpp"
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
  std::string adapter;
  std::string api;
  std::string api_key_env;
  std::string mode = "cot";
  std::string ablation = "none";
  std::size_t shots = 0;
  std::uint64_t shot_seed = 0;
  std::string domain = "beauty";
  std::string template_file;
  std::size_t budget = 0;
  std::string split = "test";
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
  std::string constraint;
  bool no_fit_context = false;
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

// The config file, with the flags given on top.
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
  if (a.verbose) o.on_notice = [](const std::string& line) { std::cerr << line << "\n"; };
  return c;
}

llm::PredictJob predict_job(const PredictArgs& a) {
  llm::PredictJob job;
  job.examples = a.examples;
  job.out = a.out;
  job.cache = a.cache;
  job.backend = backend_config(a);
  llm::PredictOptions& o = job.predict;
  o.spec = llm::resolve_mode(a.mode, a.ablation,
                             a.shots_opt->count() > 0 ? std::optional(a.shots) : std::nullopt);
  o.domain = a.domain;
  o.template_file = a.template_file;
  o.budget = a.budget;
  o.shot_seed = a.shot_seed;
  o.split = a.split;
  o.limit = a.limit;
  o.samples = a.samples;
  o.params.temperature = a.temperature;
  o.params.top_p = a.top_p;
  o.params.max_tokens = a.max_tokens;
  o.params.seed = a.seed;
  o.params.top_logprobs = a.top_logprobs;
  o.params.stop = a.stop;
  o.progress = parse_progress(a.progress);
  o.fit_context = !a.no_fit_context;
  o.params.constraint = a.constraint;
  job.in_process.adapter = a.adapter;
#ifdef REASONREC_HAVE_TORCH
  job.load_model = engine::in_process_backend_factory();
#endif
  return job;
}

void run_predict_command(const PredictArgs& a) {
  const llm::PredictJob job = predict_job(a);
  const llm::PredictJobResult result = llm::run_predict_job(job);
  std::cerr << llm::format_summary(job, result);
  if (auto failed = llm::failure_message(result)) throw Error(*failed);
}

}  // namespace

void add_predict_command(CLI::App& app) {
  auto a = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand(
      "predict",
      "Predict ratings with an LLM behind an OpenAI-compatible endpoint (vLLM, llama.cpp, "
      "Ollama, OpenAI, ...) or a model directory run in-process: predictions.jsonl, resumable "
      "through a response cache");
  cmd->add_option("--examples", a->examples, "examples.jsonl (from `reasonrec prepare`)")
      ->required()
      ->check(InputFile());
  cmd->add_option("--out", a->out, "predictions.jsonl to write")->required();
  cmd->add_option("--base-url", a->base_urls,
                  "Server base URL, e.g. http://127.0.0.1:8000/v1; repeat for a fleet");
  cmd->add_option("--model", a->model,
                  "Model name sent to the server, or a model directory to run in-process");
  cmd->add_option("--adapter", a->adapter,
                  "With --model DIR: a PEFT LoRA adapter directory merged into the model "
                  "(reasonrec train --lora)")
      ->check(InputDirectory());
  cmd->add_option("--config", a->config, "Backend settings and price table (TOML, docs/llm.md)")
      ->check(InputFile());
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
      ->check(InputFile());
  cmd->add_option("--budget", a->budget,
                  "Prompt token budget; 0 = none. Estimated for a server; counted with the "
                  "model's own tokenizer for --model DIR");
  cmd->add_option("--split", a->split, "Which examples to predict: test, train or all")
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
  cmd->add_option("--constraint", a->constraint,
                  "--model DIR: output constraint, as serve takes it: reason-rating, rating, "
                  "json-rating or a regex (docs/constraints.md)");
  cmd->add_flag("--no-fit-context", a->no_fit_context,
                "--model DIR: do not fit prompts to the model's context (by default each is "
                "trimmed to the context minus --max-tokens, counted with the model's tokenizer)");
  cmd->callback([a] { run_predict_command(*a); });
}

}  // namespace reasonrec::cli
