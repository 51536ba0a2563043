#pragma once

// The whole `predict` stage as one library call, for `reasonrec predict` and the experiment
// runner alike: pick the backend (an OpenAI-compatible fleet, or a model directory run
// in-process), put the response cache in front of it, predict, write predictions.jsonl
// atomically and report what happened.

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "llm/cached_backend.hpp"
#include "llm/config.hpp"
#include "llm/in_process_backend.hpp"
#include "llm/openai_client.hpp"
#include "llm/predict.hpp"

namespace reasonrec::llm {

struct PredictJob {
  std::filesystem::path examples;  // examples.jsonl (from `reasonrec prepare`)
  std::filesystem::path out;       // predictions.jsonl, written through a temporary + rename
  std::filesystem::path cache;     // response cache; empty: llm-cache.sqlite beside `out`
  // The model (a name sent to the servers, or a model directory), the base URLs of the
  // fleet, the route, client settings and prices. The API key is read from api_key_env unless
  // backend.client.api_key is already set.
  BackendConfig backend;
  // What to predict and how (mode, split, budget, sampling...). `model` and `api` are taken
  // from `backend`; `model_tokens` is set by the job for an in-process model.
  PredictOptions predict;
  // In-process models (backend.model names a directory; an output constraint is
  // predict.params.constraint):
  InProcessOptions in_process;
  InProcessBackendFactory load_model;  // engine::in_process_backend_factory(); empty: none
};

struct PredictJobResult {
  PredictOutcome outcome;  // the predictions written, and the counts
  std::string backend;     // "openai" or "local"
  std::filesystem::path cache;
  CacheStats cache_stats;
  std::optional<ClientStats> client;  // the HTTP client's retries and endpoints (fleet only)
};

// Runs the job. Throws UsageError for bad settings (before anything is loaded or sent) and
// Error for unreadable input. Samples that failed for good do not throw: they are written with
// their reason and counted in outcome.failed (see failure_message).
PredictJobResult run_predict_job(const PredictJob& job);

// The summary a user reads at the end (several lines, each ending in '\n'): counts, cache,
// usage, retries, trimmed prompts.
std::string format_summary(const PredictJob& job, const PredictJobResult& result);

// When samples failed for good: what failed and how to retry only those; else nothing.
std::optional<std::string> failure_message(const PredictJobResult& result);

}  // namespace reasonrec::llm
