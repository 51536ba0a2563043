#pragma once

// Continuous batching with a prefix cache over a decoder-only LocalModel, behind a torch-free
// interface: requests join the running batch at the next decoding step and leave it when they
// finish; prompt tokens whose keys and values are already cached (a shared instruction, the
// same user history in several prompts, the n samples of one prompt) are not computed again.
// Every sample's tokens are those LocalModel::generate gives for its spec alone.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/generation/types.hpp"

namespace reasonrec::engine {

class LocalModel;

struct ServingOptions {
  int max_batch_rows = 16;                  // sequences decoded together in one step
  std::size_t max_queued = 256;             // requests waiting to join; submit() blocks beyond
  std::size_t kv_budget_bytes = 256 << 20;  // cached prefixes and running sequences together
  bool prefix_cache = true;
};

struct ServingStats {
  std::uint64_t requests = 0;                // specs submitted
  std::uint64_t prompt_tokens = 0;           // their prompt lengths, summed
  std::uint64_t prompt_tokens_computed = 0;  // prompt tokens that went through the model
  std::uint64_t prompt_tokens_reused = 0;    // prompt tokens read from the prefix cache
  std::uint64_t generated_tokens = 0;
  std::uint64_t cancelled = 0;  // requests cancelled before they finished
  std::uint64_t decode_steps = 0;
  std::uint64_t cached_prefixes = 0;  // entries in the prefix cache now
  std::uint64_t cache_bytes = 0;      // their keys and values
  std::uint64_t evictions = 0;        // entries dropped to stay within the budget
  double reuse_fraction() const {
    return prompt_tokens == 0
               ? 0.0
               : static_cast<double>(prompt_tokens_reused) / static_cast<double>(prompt_tokens);
  }
};

// One generated token of one sample, reported as it is produced (for streaming).
struct TokenEvent {
  int sample = 0;
  GeneratedToken token;  // logprob and alternatives filled when the spec asks for them
  // Bytes of the sample's text that are now final: text that could still turn out to be the
  // start of a stop string is held back until it cannot. The pieces of a sample concatenate
  // to its Generation::text.
  std::string_view text;
  // False only for a last event that carries no token: a sample that ends without a new
  // token (end of sequence, a stop token, cancellation) releases the text still held back
  // this way (only when some is); `token` is then empty.
  bool has_token = true;
};

// Called on the engine's thread: keep them short; they may call PendingGeneration::cancel.
struct GenerationCallbacks {
  std::function<void(const TokenEvent&)> on_token;
  std::function<void(int sample, const Generation&)> on_finish;
};

class PendingGeneration {
 public:
  virtual ~PendingGeneration() = default;
  // Blocks until every sample has finished; [sample]. Rethrows the engine's error.
  virtual std::vector<Generation> wait() = 0;
  virtual bool ready() const = 0;
  // Samples still running stop at the next step with finish_reason "cancelled"; a request
  // still queued never starts. wait() then returns what exists.
  virtual void cancel() = 0;
};

class ServingEngine {
 public:
  // Whether `model` can be served this way (decoder-only models).
  static bool supports(const LocalModel& model);

  // The model must outlive the engine. UsageError for a model that is not decoder-only.
  explicit ServingEngine(const LocalModel& model, ServingOptions options = {});
  // Cancels what is queued or running and joins the engine's thread.
  ~ServingEngine();
  ServingEngine(const ServingEngine&) = delete;
  ServingEngine& operator=(const ServingEngine&) = delete;

  // Queues `spec` (all its samples); blocks while max_queued requests are waiting. Throws
  // Error at once for a prompt LocalModel::generate would refuse.
  std::shared_ptr<PendingGeneration> submit(GenerationSpec spec,
                                            GenerationCallbacks callbacks = {});
  // The same without blocking: nullptr when the queue is full.
  std::shared_ptr<PendingGeneration> try_submit(GenerationSpec spec,
                                                GenerationCallbacks callbacks = {});

  ServingStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reasonrec::engine
