#pragma once

#include <span>
#include <string>
#include <vector>

#include "llm/types.hpp"

namespace reasonrec::llm {

// Receives completions as they finish, on the thread that called Backend::generate.
class CompletionSink {
 public:
  virtual ~CompletionSink() = default;
  virtual void on_completion(Completion completion) = 0;
  // Called at least every 100 ms while work is outstanding, so a sink can flush batched
  // writes even when no completion arrives for a while.
  virtual void on_idle() {}
};

// What every stage generates text through: the OpenAI-compatible HTTP client, the cache in
// front of it, and the in-process engine all implement this.
class Backend {
 public:
  virtual ~Backend() = default;

  // Generates every sample of every request and reports exactly one Completion per
  // (request, sample), successful or failed with its reason, in any order. Throws only for
  // problems of the whole batch (e.g. a missing model name); a request that cannot be
  // served is a failed Completion, never an exception and never dropped.
  virtual void generate(std::span<const GenerationRequest> requests, CompletionSink& sink) = 0;

  // "openai", "local", ...: written to predictions as `backend`.
  virtual std::string name() const = 0;
};

// Runs `generate` and returns every completion ordered by (request, sample).
std::vector<Completion> generate_all(Backend& backend, std::span<const GenerationRequest> requests);

}  // namespace reasonrec::llm
