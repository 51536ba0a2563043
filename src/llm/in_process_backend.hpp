#pragma once

// The in-process engine as the LLM stages see it, without libtorch: an interface the engine
// implements (engine::make_local_backend) and the factory type through which a caller hands
// it to run_predict_job. src/llm never constructs one itself, so it builds and links without
// the engine; a build with the engine passes engine::in_process_backend_factory().

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "llm/backend.hpp"

namespace reasonrec::llm {

// A Backend over a model loaded in this process. Beyond generating, it knows how long a prompt
// may be and exactly how many tokens a prompt becomes, so that prompts can be fitted to the
// model's context with its own tokenizer instead of an estimate.
//
// It honours GenerationParams::constraint (a built-in name or a regex, as `serve --constraint`
// takes); a request whose max_tokens cannot complete its constraint fails with that reason.
class InProcessBackend : public Backend {
 public:
  // Positions a sequence may use, prompt and generated tokens together; 0: no limit.
  virtual std::size_t context_length() const = 0;
  // The tokens the model is fed for this request's prompt: for a chat request the chat
  // template's rendering with its special tokens, for a completion request the prompt and
  // the tokenizer's BOS. May throw for a request the model cannot take at all (a chat request
  // to a model without a chat template).
  virtual std::size_t prompt_tokens(const GenerationRequest& request) const = 0;
  // Tokens of a text on its own, without special tokens (for cutting review texts to fit).
  virtual std::size_t text_tokens(std::string_view text) const = 0;
  // Throws UsageError when requests like this one can never be served, so that a run stops
  // before it starts instead of failing every request: a chat request to a model without a
  // chat template, a bad constraint, a max_tokens the constraint cannot finish in.
  virtual void validate(const GenerationRequest& request) const = 0;
};

// How a model directory is loaded. Output constraints are per request
// (GenerationParams::constraint), so that they are part of the cache key.
struct InProcessOptions {
  int max_batch_rows = 16;        // sequences decoded together
  std::filesystem::path adapter;  // a PEFT LoRA adapter merged into the model; empty: none
};

// Loads a Hugging Face model directory into an InProcessBackend. Empty in builds without the
// engine.
using InProcessBackendFactory = std::function<std::unique_ptr<InProcessBackend>(
    const std::filesystem::path& dir, const InProcessOptions& options)>;

// A model directory (config.json inside) rather than a model name sent to a server.
bool is_model_dir(const std::string& model);

}  // namespace reasonrec::llm
