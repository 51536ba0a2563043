#pragma once

// The Completer over the in-process engine (needs the torch half of the engine to link).

#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "engine/chat/chat_template.hpp"
#include "engine/constraint/constraint_cache.hpp"
#include "engine/constraint/token_constraint.hpp"
#include "engine/local_model.hpp"
#include "engine/serving_engine.hpp"
#include "serve/completer.hpp"

namespace reasonrec::serve {

struct EngineCompleterOptions {
  int completion_default_max_tokens = 16;  // OpenAI's default for /v1/completions
  int chat_default_max_tokens = 512;       // capped by the context left after the prompt
  // Tokens one request may generate in all (n x max_tokens over its prompts), defaults
  // included: the API parser can only check a max_tokens the client sends.
  std::int64_t max_request_tokens = 1 << 20;
  // Applied to requests that name no constraint: a built-in name or a regex. Lets clients
  // that cannot send extra fields (any OpenAI SDK, `reasonrec predict`) get parseable output.
  std::string default_constraint;
  // Compiled constraints kept (besides the default one, kept for good) and what compiling a
  // request's constraint may cost (docs/constraints.md).
  engine::ConstraintCacheOptions constraints;
  // Decoder-only models: continuous batching and the prefix cache (ServingEngine).
  engine::ServingOptions serving;
};

// Decoder-only models are served by a ServingEngine: every prompt of a request joins the
// running batch on its own, tokens are streamed as they are produced, and a request whose
// client has gone is cancelled. Other models (T5) fall back to dynamic batching: requests from
// many connections are gathered by one worker thread and generated together, each choice
// streamed in one piece when complete.
class EngineCompleter : public Completer {
 public:
  EngineCompleter(const engine::LocalModel& model, std::string model_id,
                  std::optional<engine::ChatTemplate> chat_template,
                  EngineCompleterOptions options = {});
  ~EngineCompleter() override;
  EngineCompleter(const EngineCompleter&) = delete;
  EngineCompleter& operator=(const EngineCompleter&) = delete;

  std::vector<std::string> model_ids() const override { return {model_id_}; }
  using Completer::prepare;
  Completion prepare(const ApiRequest& request, const ClientGone& gone) override;
  std::vector<Metric> metrics() const override;

  // Whether requests go through the ServingEngine (continuous batching, prefix cache).
  bool continuous() const { return serving_ != nullptr; }
  // The serving counters (for the fallback path: requests, prompt tokens, generated tokens
  // and cancellations, every prompt token counted as computed).
  engine::ServingStats stats() const;

 private:
  struct Prepared {
    std::vector<engine::GenerationSpec> specs;
    bool logprobs = false;
  };
  struct Job {
    std::vector<engine::GenerationSpec> specs;
    std::promise<std::vector<std::vector<engine::Generation>>> done;
  };

  Prepared prepared_for(const ApiRequest& request, const ClientGone& gone);
  std::vector<std::int32_t> prompt_ids(const ApiRequest& request, std::size_t prompt) const;
  std::shared_ptr<const engine::TokenConstraint> constraint_for(const ApiRequest& request,
                                                                const ClientGone& gone);
  TokenLogprobInfo logprob_info(const engine::GeneratedToken& token) const;
  ApiResult result_of(const Prepared& prepared,
                      const std::vector<std::vector<engine::Generation>>& generations) const;

  ApiResult run_continuous(const Prepared& prepared, const StreamSink* sink,
                           const ClientGone& gone);
  ApiResult run_batched(const Prepared& prepared, const StreamSink* sink, const ClientGone& gone);
  void work();

  const engine::LocalModel& model_;
  std::string model_id_;
  std::optional<engine::ChatTemplate> chat_template_;
  EngineCompleterOptions options_;
  std::shared_ptr<const engine::TokenTrie> vocabulary_;

  engine::ConstraintCache constraints_;

  std::unique_ptr<engine::ServingEngine> serving_;  // null: dynamic batching below

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  engine::ServingStats batched_stats_;  // guarded by queue_mutex_
  std::thread worker_;
};

}  // namespace reasonrec::serve
