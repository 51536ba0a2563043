#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "llm/config.hpp"
#include "recsaver/references.hpp"
#include "recsaver/score.hpp"
#include "recsaver/scrub.hpp"
#include "util/error.hpp"
#ifdef REASONREC_HAVE_TORCH
#include "engine/bertscore_columns.hpp"
#include "engine/local_model.hpp"
#endif

namespace reasonrec::cli {

namespace {

// The backend flags `predict` takes.
struct BackendArgs {
  std::string config;
  std::vector<std::string> base_urls;
  std::string model;
  std::string api;
  std::string api_key_env;
  std::string cache;
  int concurrency = 0;
  double timeout_s = 0;
  int max_attempts = 0;
  std::string domain = "beauty";
  std::size_t budget = 0;
  bool no_fit_context = false;
  std::string progress = "auto";
};

ProgressMode parse_progress(const std::string& name) {
  if (name == "auto") return ProgressMode::Auto;
  if (name == "terminal") return ProgressMode::Terminal;
  if (name == "lines") return ProgressMode::Lines;
  if (name == "silent" || name == "none") return ProgressMode::Silent;
  throw UsageError("--progress must be auto, terminal, lines or silent");
}

void add_backend_options(CLI::App* cmd, BackendArgs& a) {
  cmd->add_option("--base-url", a.base_urls,
                  "Server base URL, e.g. http://127.0.0.1:8000/v1; repeat for a fleet");
  cmd->add_option("--model", a.model,
                  "Model name sent to the server, or a model directory to run in-process");
  cmd->add_option("--config", a.config, "Backend settings (TOML, docs/llm.md)")->check(InputFile());
  cmd->add_option("--api", a.api, "chat (default) or completions");
  cmd->add_option("--api-key-env", a.api_key_env,
                  "Environment variable with the API key (default OPENAI_API_KEY, optional)");
  cmd->add_option("--cache", a.cache,
                  "Response cache (SQLite); default llm-cache.sqlite beside --out");
  cmd->add_option("--concurrency", a.concurrency, "Requests in flight (default 16)");
  cmd->add_option("--timeout", a.timeout_s, "Seconds per attempt (default 120)");
  cmd->add_option("--max-attempts", a.max_attempts, "Attempts per request (default 6)");
  cmd->add_option("--domain", a.domain, "beauty / product or movies (prompt wording)")
      ->capture_default_str();
  cmd->add_option("--budget", a.budget, "Prompt token budget; 0 = none");
  cmd->add_flag("--no-fit-context", a.no_fit_context,
                "--model DIR: do not fit prompts to the model's context");
  cmd->add_option("--progress", a.progress, "auto, terminal, lines or silent")
      ->capture_default_str();
}

recsaver::BackendSettings backend_settings(const BackendArgs& a) {
  recsaver::BackendSettings s;
  llm::BackendConfig& c = s.backend;
  if (!a.config.empty()) c = llm::load_backend_config(a.config);
  if (!a.base_urls.empty()) c.client.base_urls = a.base_urls;
  if (!a.model.empty()) c.model = a.model;
  if (!a.api.empty()) c.api = llm::parse_api(a.api);
  if (!a.api_key_env.empty()) {
    c.api_key_env = a.api_key_env;
    c.api_key_env_explicit = true;
  }
  if (a.concurrency > 0) c.client.concurrency = a.concurrency;
  if (a.timeout_s > 0) {
    c.client.timeout = std::chrono::milliseconds(static_cast<std::int64_t>(a.timeout_s * 1000));
  }
  if (a.max_attempts > 0) c.client.max_attempts = a.max_attempts;
  s.cache = a.cache;
#ifdef REASONREC_HAVE_TORCH
  s.load_model = engine::in_process_backend_factory();
#endif
  return s;
}

recsaver::PromptSettings prompt_settings(const BackendArgs& a) {
  recsaver::PromptSettings p;
  p.domain = a.domain;
  p.budget = a.budget;
  p.fit_context = !a.no_fit_context;
  return p;
}

void print_cache(const std::filesystem::path& cache, const llm::CacheStats& stats,
                 const char* what) {
  std::cerr << fmt::format("{}: {} from the cache {}, {} sent\n", what, stats.hits, cache.string(),
                           stats.sent);
}

struct ReferencesArgs {
  BackendArgs backend;
  recsaver::ReferencesJob job;
};

void run_references(ReferencesArgs& a) {
  a.job.backend = backend_settings(a.backend);
  a.job.prompts = prompt_settings(a.backend);
  a.job.progress = parse_progress(a.backend.progress);
  const auto result = recsaver::run_references_job(a.job);
  std::cout << recsaver::format_references_summary(result.summary);
  print_cache(result.cache, result.explain_cache, "explain");
  print_cache(result.cache, result.verify_cache, "verify");
  std::cerr << "wrote " << a.job.out.string() << " and " << result.summary_path.string() << "\n";
  const auto& status = result.summary.at("status");
  const auto failed = status.at("explain_failed").get<std::size_t>() +
                      status.at("verify_failed").get<std::size_t>();
  if (failed > 0) {
    throw Error(fmt::format(
        "{} requests failed for good (status explain_failed / verify_failed, with the reason); "
        "rerun the same command to retry only those: finished requests come from the cache {}",
        failed, result.cache.string()));
  }
}

struct VerifyArgs {
  BackendArgs backend;
  recsaver::VerifyJob job;
};

void run_verify(VerifyArgs& a) {
  a.job.backend = backend_settings(a.backend);
  a.job.prompts = prompt_settings(a.backend);
  a.job.progress = parse_progress(a.backend.progress);
  const auto r = recsaver::run_verify_job(a.job);
  std::cout << fmt::format(
      "recsaver verify: {} predictions: {} verified, {} rejected, {} unparsed, {} failed, {} with "
      "empty reasoning, {} empty after the scrub\n",
      r.predictions, r.verified, r.rejected, r.unparsed, r.failed, r.empty_reasoning,
      r.empty_after_scrub);
  print_cache(r.cache, r.cache_stats, "verify");
  if (r.failed > 0) {
    throw Error(fmt::format(
        "{} verification requests failed for good (status verify_failed); rerun the same "
        "command to retry only those",
        r.failed));
  }
}

struct ScoreArgs {
  recsaver::ScoreJob job;
  std::string progress = "auto";
  bool json = false;
  int digits = 4;
};

void run_score(ScoreArgs& a) {
  a.job.progress = parse_progress(a.progress);
  std::unique_ptr<eval::BertScoreColumns> bertscore;
#ifdef REASONREC_HAVE_TORCH
  bertscore = std::make_unique<engine::EncoderBertScoreColumns>();
#endif
  const auto r = recsaver::run_score_job(a.job, bertscore.get());
  if (a.json) {
    std::cout << r.summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << recsaver::format_score_summary(r.summary, a.digits);
  }
}

}  // namespace

void add_recsaver_command(CLI::App& app) {
  auto* root = app.add_subcommand(
      "recsaver",
      "Rec-SAVER: verified reference explanations (explain the true rating, scrub rating "
      "mentions, verify), and reasoning scores against them (docs/recsaver.md)");
  root->require_subcommand(1);

  auto ra = std::make_shared<ReferencesArgs>();
  auto* refs = root->add_subcommand(
      "references",
      "Explain each example's true rating N times, scrub sentences that mention a rating, keep "
      "the explanations a greedy verification reads the true rating back from; "
      "references.jsonl and NAME.summary.json, resumable through the response cache");
  refs->add_option("--examples", ra->job.examples, "examples.jsonl (from `reasonrec prepare`)")
      ->required()
      ->check(InputFile());
  refs->add_option("--out", ra->job.out, "references.jsonl to write")->required();
  refs->add_option("--summary", ra->job.summary, "Summary JSON (default: NAME.summary.json)");
  add_backend_options(refs, ra->backend);
  refs->add_option("--n", ra->job.n, "Explanations per example")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  refs->add_option("--temperature", ra->job.temperature, "Sampling temperature of explanations")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 10.0));
  refs->add_option("--top-p", ra->job.top_p, "Nucleus sampling of explanations")
      ->capture_default_str();
  refs->add_option("--max-tokens", ra->job.max_tokens, "Tokens per explanation at most")
      ->capture_default_str();
  refs->add_option("--verify-max-tokens", ra->job.verify_max_tokens,
                   "Tokens per verification answer at most")
      ->capture_default_str();
  refs->add_option("--verify-constraint", ra->job.verify_constraint,
                   "--model DIR: output constraint of verification answers (e.g. rating)");
  refs->add_option("--seed", ra->job.seed, "Seed; explanation i is sampled with seed + i")
      ->capture_default_str();
  refs->add_option("--split", ra->job.split, "Which examples: test, train or all")
      ->capture_default_str();
  refs->add_option("--limit", ra->job.limit, "Only the first N selected examples");
  refs->add_option("--tolerance", ra->job.tolerance,
                   "Keep an explanation when the rating read back is within this of the truth")
      ->capture_default_str()
      ->check(CLI::Range(0, 4));
  refs->add_option("--scrub", ra->job.scrub,
                   "Scrub rules: paper (the paper's three phrases), strict, or a TOML rule file "
                   "(`recsaver rules --show NAME` prints one to start from)")
      ->capture_default_str();
  refs->callback([ra] { run_references(*ra); });

  auto va = std::make_shared<VerifyArgs>();
  auto* verify = root->add_subcommand(
      "verify",
      "Rec-SAVER step 3 alone: scrub each prediction's reasoning and verify that a greedy call "
      "reads the example's true rating back from it (e.g. to filter a teacher's samples)");
  verify->add_option("--examples", va->job.examples, "The examples the predictions are of")
      ->required()
      ->check(InputFile());
  verify->add_option("--predictions", va->job.predictions, "predictions.jsonl")
      ->required()
      ->check(InputFile());
  verify->add_option("--out", va->job.out, "verified.jsonl to write")->required();
  verify->add_option("--summary", va->job.summary, "Summary JSON (default: NAME.summary.json)");
  add_backend_options(verify, va->backend);
  verify
      ->add_option("--verify-max-tokens", va->job.verify_max_tokens,
                   "Tokens per verification answer at most")
      ->capture_default_str();
  verify->add_option("--verify-constraint", va->job.verify_constraint,
                     "--model DIR: output constraint of verification answers (e.g. rating)");
  verify
      ->add_option("--tolerance", va->job.tolerance,
                   "Verified when the rating read back is within this of the truth")
      ->capture_default_str()
      ->check(CLI::Range(0, 4));
  verify->add_option("--scrub", va->job.scrub, "Scrub rules: paper, strict or a TOML rule file")
      ->capture_default_str();
  verify->callback([va] { run_verify(*va); });

  auto sa = std::make_shared<ScoreArgs>();
  auto* score = root->add_subcommand(
      "score",
      "Score each prediction's reasoning against its example's verified references with the "
      "text metrics of `score text`: per-prediction JSONL, corpus means with bootstrap "
      "intervals, coverage, correct vs incorrect rating predictions");
  score->add_option("--predictions", sa->job.predictions, "predictions.jsonl")
      ->required()
      ->check(InputFile());
  score->add_option("--references", sa->job.references, "references.jsonl (recsaver references)")
      ->required()
      ->check(InputFile());
  score->add_option("--out", sa->job.out, "Per-prediction scores (JSONL) to write")->required();
  score->add_option("--summary", sa->job.summary, "Summary JSON (default: NAME.summary.json)");
  score
      ->add_option("--examples", sa->job.examples,
                   "Check that the references were made from this examples file")
      ->check(InputFile());
  score
      ->add_option("--metrics", sa->job.metrics,
                   "Comma-separated metrics as `score text` takes them (bleu, rouge1, meteor, "
                   "chrf, bertscore, ...)")
      ->capture_default_str();
  score
      ->add_option("--encoder", sa->job.bertscore.encoder,
                   "BERTScore: a BERT / RoBERTa model directory")
      ->check(InputDirectory());
  score->add_option("--layer", sa->job.bertscore.layer, "BERTScore: hidden layer")
      ->check(CLI::Range(0, 1000));
  score->add_flag("--unverified", sa->job.unverified,
                  "Score against every non-empty scrubbed explanation, verified or not");
  score->add_flag("--skip-unknown", sa->job.skip_unknown,
                  "Count predictions of examples the references lack instead of failing");
  score->add_option("--bootstrap", sa->job.bootstrap, "Bootstrap resamples (0: no intervals)")
      ->capture_default_str();
  score->add_option("--seed", sa->job.seed, "Bootstrap seed")->capture_default_str();
  score->add_option("--threads", sa->job.threads, "Worker threads for sentence scores")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  score->add_option("--progress", sa->progress, "auto, terminal, lines or silent")
      ->capture_default_str();
  score->add_flag("--json", sa->json, "Print the summary as JSON");
  score->add_option("--digits", sa->digits, "Digits after the point in the table")
      ->capture_default_str()
      ->check(CLI::Range(0, 17));
  score->callback([sa] { run_score(*sa); });

  auto show = std::make_shared<std::string>();
  auto* rules = root->add_subcommand(
      "rules", "Print a built-in scrub rule file (paper or strict), to copy and edit");
  rules->add_option("--show", *show, "paper or strict")->required();
  rules->callback([show] { std::cout << recsaver::builtin_rules_toml(*show); });
}

}  // namespace reasonrec::cli
