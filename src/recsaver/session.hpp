#pragma once

// What the Rec-SAVER jobs share with `predict`: the backend (a server fleet, or a model
// directory run in-process) behind the response cache, and the prompts of the two Rec-SAVER
// templates, fitted to a budget or to an in-process model's context.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "data/example.hpp"
#include "llm/cached_backend.hpp"
#include "llm/config.hpp"
#include "llm/in_process_backend.hpp"
#include "llm/openai_client.hpp"
#include "prompt/builder.hpp"
#include "prompt/domain.hpp"
#include "prompt/template.hpp"
#include "util/progress.hpp"

namespace reasonrec::recsaver {

// How to reach the model, as `predict` takes it.
struct BackendSettings {
  llm::BackendConfig backend;   // model name or directory, base URLs, client settings
  std::filesystem::path cache;  // response cache; empty: the job picks one beside its output
  llm::InProcessOptions in_process;
  llm::InProcessBackendFactory load_model;  // empty: no in-process engine in this build
  std::uint64_t jitter_seed = 0;            // of the client's backoff jitter
};

// The backend of one run, the cache in front of it. Throws UsageError for settings that cannot
// work (no model, no base URL, a model directory in a build without the engine).
class BackendSession {
 public:
  explicit BackendSession(const BackendSettings& settings);
  ~BackendSession();
  BackendSession(const BackendSession&) = delete;
  BackendSession& operator=(const BackendSession&) = delete;

  llm::Backend& backend() { return *cached_; }
  const std::string& model() const { return model_; }
  llm::Api api() const { return api_; }
  std::string backend_name() const { return cached_->name(); }
  const std::filesystem::path& cache_path() const { return cache_path_; }
  const llm::CacheStats& cache_stats() const { return cached_->stats(); }
  std::optional<llm::ClientStats> client_stats() const;
  // The model run in-process, or nullptr for a server.
  const llm::InProcessBackend* in_process() const { return in_process_; }

 private:
  std::string model_;
  llm::Api api_ = llm::Api::Chat;
  std::filesystem::path cache_path_;
  std::unique_ptr<llm::Backend> inner_;
  llm::OpenAIClient* client_ = nullptr;
  const llm::InProcessBackend* in_process_ = nullptr;
  std::unique_ptr<llm::ResponseCache> cache_;
  std::unique_ptr<llm::CachedBackend> cached_;
};

struct PromptSettings {
  std::string domain = "beauty";
  std::size_t budget = 0;   // prompt tokens at most; 0: none (an in-process model's context)
  bool fit_context = true;  // in-process: fit prompts to the context minus max_tokens
};

// Builds the requests of one Rec-SAVER template (explain or verify) for one backend session.
class PromptMaker {
 public:
  PromptMaker(prompt::Mode mode, const PromptSettings& settings, const BackendSession& session,
              const llm::GenerationParams& params);
  ~PromptMaker();

  // The request for `example` (with `explanation` for the verify template), `n` samples.
  llm::GenerationRequest make(const data::Example& example, const std::string& explanation,
                              int n) const;
  // Prompts still over the limit at their smallest, and prompts shortened to fit.
  std::size_t over_budget() const { return over_budget_; }
  std::size_t trimmed() const { return trimmed_; }
  std::size_t limit() const { return limit_; }

 private:
  struct Counters;
  prompt::Template template_;
  prompt::Domain domain_;
  const BackendSession& session_;
  llm::GenerationParams params_;
  std::size_t limit_ = 0;
  std::unique_ptr<Counters> counters_;
  mutable std::size_t over_budget_ = 0;
  mutable std::size_t trimmed_ = 0;
};

// Generates every request through the session's backend with a progress line, and returns the
// completions by (request, sample - first_sample); a sample the backend never reports is a
// failed completion, never missing.
std::vector<std::vector<llm::Completion>> generate_with_progress(
    BackendSession& session, const std::vector<llm::GenerationRequest>& requests,
    const std::string& label, ProgressMode progress);

}  // namespace reasonrec::recsaver
