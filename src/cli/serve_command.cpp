#include <chrono>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "engine/chat/chat_template.hpp"
#include "engine/local_model.hpp"
#include "serve/engine_completer.hpp"
#include "serve/server.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct ServeArgs {
  std::string model;
  std::string adapter;
  std::string model_name;
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string api_key_env;
  std::string chat_template;
  std::size_t max_body_mib = 4;
  int threads = 8;
  int max_batch = 16;
  std::size_t kv_cache_mib = 256;
  std::size_t max_queue = 256;
  bool no_prefix_cache = false;
  std::string constraint;
  int constraint_timeout_ms = 2000;
  std::size_t constraint_max_states = 20'000;
  std::size_t constraint_max_mib = 32;
  std::size_t constraint_cache_entries = 64;
  std::size_t constraint_cache_mib = 128;
  std::size_t max_connections = 512;
  std::size_t max_waiting = 256;
  double request_timeout_s = 20;
  int max_sequences = 256;
  std::int64_t max_request_tokens = 1 << 20;
};

// One line at exit, so that a run's log shows what the prefix cache saved.
std::string summary(const serve::Server& server, const serve::EngineCompleter& completer) {
  const engine::ServingStats s = completer.stats();
  return fmt::format(
      "serve: {} completion requests served ({} prompts); {} of {} prompt tokens reused from "
      "the prefix cache ({:.1f}%), {} tokens generated, {} prompts cancelled",
      server.requests_answered(), s.requests, s.prompt_tokens_reused, s.prompt_tokens,
      100.0 * s.reuse_fraction(), s.generated_tokens, s.cancelled);
}

void run_serve(const ServeArgs& a) {
  // First, before the model starts BLAS threads: they must not receive SIGINT/SIGTERM.
  serve::TerminationSignals signals;
  serve::ServerOptions options;
  options.host = a.host;
  options.port = a.port;
  options.max_body_bytes = a.max_body_mib << 20;
  options.threads = a.threads;
  options.http.max_connections = a.max_connections;
  options.http.max_queued = a.max_waiting;
  options.http.request_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(a.request_timeout_s * 1000));
  options.limits.max_sequences = a.max_sequences;
  options.limits.max_generated_tokens = a.max_request_tokens;
  if (!a.api_key_env.empty()) {
    const char* key = std::getenv(a.api_key_env.c_str());
    if (!key || !*key) throw UsageError("--api-key-env: $" + a.api_key_env + " is not set");
    options.api_key = key;
  }
  engine::LocalModelOptions model_options;
  model_options.max_batch_rows = a.max_batch;
  model_options.adapter = a.adapter;
  const engine::LocalModel model = engine::LocalModel::load(a.model, model_options);
  std::optional<engine::ChatTemplate> chat;
  try {
    chat = engine::ChatTemplate::from_model_dir(
        a.model, a.chat_template.empty() ? std::nullopt
                                         : std::optional<std::filesystem::path>(a.chat_template));
  } catch (const InputError& e) {
    if (!a.chat_template.empty()) throw;
    std::cerr << "serve: no chat template (" << e.what()
              << "); /v1/chat/completions will answer 400\n";
  }
  const std::string name =
      a.model_name.empty() ? std::filesystem::path(a.model).filename().string() : a.model_name;
  serve::EngineCompleterOptions completer_options;
  completer_options.default_constraint = a.constraint;
  completer_options.max_request_tokens = a.max_request_tokens;
  completer_options.constraints.limits.max_time =
      std::chrono::milliseconds(a.constraint_timeout_ms);
  completer_options.constraints.limits.max_states = a.constraint_max_states;
  completer_options.constraints.limits.max_bytes = a.constraint_max_mib << 20;
  completer_options.constraints.max_entries = a.constraint_cache_entries;
  completer_options.constraints.max_bytes = a.constraint_cache_mib << 20;
  completer_options.serving.max_batch_rows = a.max_batch;
  completer_options.serving.max_queued = a.max_queue;
  completer_options.serving.kv_budget_bytes = a.kv_cache_mib << 20;
  completer_options.serving.prefix_cache = !a.no_prefix_cache;
  serve::EngineCompleter completer(model, name, std::move(chat), completer_options);
  serve::Server server(completer, options);
  const int port = server.bind();
  std::cerr << fmt::format(
      "serve: model '{}' on http://{}:{}/v1 (Ctrl-C stops){}\n", name, a.host, port,
      completer.continuous() ? ""
                             : "; this architecture is served by dynamic batching, without "
                               "the prefix cache");
  const int signal = serve::run_until_signal(server, signals);
  std::cerr << fmt::format("serve: {} received, stopped after in-flight requests\n",
                           signal == SIGINT ? "SIGINT" : "SIGTERM");
  std::cerr << summary(server, completer) << "\n";
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto a = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand("serve", "OpenAI-compatible HTTP server over a local model");
  cmd->add_option("--model", a->model, "Model directory (Hugging Face layout)")
      ->required()
      ->check(InputDirectory());
  cmd->add_option("--adapter", a->adapter,
                  "PEFT LoRA adapter directory merged into the model (reasonrec train --lora)")
      ->check(InputDirectory());
  cmd->add_option("--model-name", a->model_name,
                  "Name clients use in \"model\" (default: the directory's name)");
  cmd->add_option("--host", a->host, "Address to bind (loopback by default)")
      ->capture_default_str();
  cmd->add_option("--port", a->port, "Port (0: any free port, printed at start)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--api-key-env", a->api_key_env,
                  "Environment variable holding a bearer token clients must send");
  cmd->add_option("--chat-template", a->chat_template,
                  "Jinja chat template file overriding the model's")
      ->check(InputFile());
  cmd->add_option("--max-body-mib", a->max_body_mib, "Largest request body accepted")
      ->capture_default_str();
  cmd->add_option("--threads", a->threads,
                  "Completion requests handled at once (connections are not limited by it)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-connections", a->max_connections,
                  "Open connections; beyond this new ones get 503")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-waiting", a->max_waiting,
                  "Completion requests waiting for a thread; beyond this 503")
      ->capture_default_str();
  cmd->add_option("--request-timeout-s", a->request_timeout_s,
                  "Time a request may take to arrive from its first byte (then 408)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-sequences-per-request", a->max_sequences,
                  "Prompts x n one request may ask for (then 400)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-tokens-per-request", a->max_request_tokens,
                  "Tokens one request may ask to generate, prompts x n x max_tokens (then 400)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-batch", a->max_batch, "Sequences decoded together (each sample counts)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--kv-cache-mib", a->kv_cache_mib,
                  "Memory for keys and values: running sequences and cached prefixes, the least "
                  "recently used prefixes evicted first")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-queue", a->max_queue,
                  "Prompts waiting to join the running batch; further requests wait for room")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--no-prefix-cache", a->no_prefix_cache,
                "Compute every prompt in full (same results; for comparison)");
  cmd->add_option("--constraint", a->constraint,
                  "Output constraint for requests that name none: reason-rating, rating, "
                  "json-rating or a regex (docs/constraints.md)");
  cmd->add_option("--constraint-timeout-ms", a->constraint_timeout_ms,
                  "Longest a request's constraint may take to compile (0: no limit); longer "
                  "answers 400")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--constraint-max-states", a->constraint_max_states,
                  "Most automaton states a constraint may compile to; more answers 400")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--constraint-max-mib", a->constraint_max_mib,
                  "Most memory compiling one constraint may take (its steps are bounded with it: "
                  "half a million per MiB); more answers 400")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--constraint-cache-entries", a->constraint_cache_entries,
                  "Compiled constraints kept for reuse besides --constraint's, least recently "
                  "used dropped first")
      ->capture_default_str();
  cmd->add_option("--constraint-cache-mib", a->constraint_cache_mib,
                  "Memory the kept constraints may hold (automata and token masks), least "
                  "recently used dropped first")
      ->capture_default_str();
  cmd->callback([a] { run_serve(*a); });
}

}  // namespace reasonrec::cli
