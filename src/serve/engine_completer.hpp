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
#include "engine/constraint/token_constraint.hpp"
#include "engine/local_model.hpp"
#include "serve/completer.hpp"

namespace reasonrec::serve {

struct EngineCompleterOptions {
  int completion_default_max_tokens = 16;  // OpenAI's default for /v1/completions
  int chat_default_max_tokens = 512;       // capped by the context left after the prompt
  std::size_t max_batch_specs = 32;        // prompts generated together
  // Applied to requests that name no constraint: a built-in name or a regex. Lets clients
  // that cannot send extra fields (any OpenAI SDK, `reasonrec predict`) get parseable output.
  std::string default_constraint;
};

// Requests from many connections are gathered by one worker thread and generated together
// (dynamic batching), so concurrent clients share the model's batched decoding.
class EngineCompleter : public Completer {
 public:
  EngineCompleter(const engine::LocalModel& model, std::string model_id,
                  std::optional<engine::ChatTemplate> chat_template,
                  EngineCompleterOptions options = {});
  ~EngineCompleter() override;
  EngineCompleter(const EngineCompleter&) = delete;
  EngineCompleter& operator=(const EngineCompleter&) = delete;

  std::vector<std::string> model_ids() const override { return {model_id_}; }
  ApiResult complete(const ApiRequest& request, const StreamSink* sink,
                     const std::atomic<bool>& cancelled) override;

 private:
  struct Job {
    std::vector<engine::GenerationSpec> specs;
    std::promise<std::vector<std::vector<engine::Generation>>> done;
  };

  std::vector<engine::GenerationSpec> specs_for(const ApiRequest& request);
  std::vector<std::int32_t> prompt_ids(const ApiRequest& request, std::size_t prompt) const;
  std::shared_ptr<const engine::TokenConstraint> constraint_for(const ApiRequest& request);
  void work();

  const engine::LocalModel& model_;
  std::string model_id_;
  std::optional<engine::ChatTemplate> chat_template_;
  EngineCompleterOptions options_;
  std::shared_ptr<const engine::TokenTrie> vocabulary_;

  std::mutex constraints_mutex_;
  std::map<std::string, std::shared_ptr<const engine::TokenConstraint>> constraints_;

  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace reasonrec::serve
