#pragma once

// Internal to the engine (torch): the continuous-batching loop's state and steps, run by the
// serving engine's thread. Requests join the running batch as they are admitted (their
// prompts prefilled on top of the longest cached prefix) and leave it as their samples end;
// each step decodes one token for every running sample.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "engine/generation/decode_step.hpp"
#include "engine/model/llama.hpp"
#include "engine/serving/prefix_cache.hpp"
#include "engine/serving/serving_request.hpp"
#include "engine/serving_engine.hpp"

namespace reasonrec::engine {

class Scheduler {
 public:
  Scheduler(const LlamaModel& model, const Tokenizer& tokenizer, std::vector<std::int32_t> eos_ids,
            std::int64_t context_limit, ServingOptions options);

  // Whether `request` may join now: rows and memory allow, or nothing else runs.
  bool fits(const ServingRequest& request) const;
  // Prefills the request's prompt and adds its samples to the batch of the next step; an
  // error fails the request alone.
  void admit(const std::shared_ptr<ServingRequest>& request);
  bool idle() const { return rows_.empty() && joining_.empty(); }
  // One token for every running sample; finished ones leave. An error fails every request
  // in the batch, which is then empty.
  void step();
  // Ends every running sample ("cancelled").
  void cancel_all();

  void count_submitted(std::size_t prompt_tokens);
  void count_cancelled();
  ServingStats stats() const;

 private:
  struct Row {
    std::shared_ptr<ServingRequest> request;
    SampleDecoder decoder;
    std::size_t released = 0;  // text bytes streamed so far
    std::size_t reserved = 0;  // memory set aside for its keys and values
  };
  // Prefilled samples waiting to join the batch (merged at the next step in one copy).
  struct Joining {
    KvCache cache;
    torch::Tensor logits;  // [rows, vocab]
    std::vector<Row> rows;
  };

  std::size_t reservation(const GenerationSpec& spec) const;
  void merge_joining();
  void decode(std::vector<std::int64_t>& keep);
  void stream(Row& row);
  void finish(Row& row);
  void fail_batch(const std::exception_ptr& error);
  void fit_cache_to_budget();
  template <typename Update>
  void update_stats(Update update) {
    std::lock_guard lock(stats_mutex_);
    update(stats_);
  }

  const LlamaModel& model_;
  const Tokenizer& tokenizer_;
  std::vector<std::int32_t> eos_ids_;
  DecodeRules rules_;
  ServingOptions options_;
  std::size_t bytes_per_token_ = 0;  // keys and values of one token, every layer

  PrefixCache prefix_cache_;
  std::vector<Row> rows_;         // the running batch, in cache row order
  std::optional<KvCache> batch_;  // their keys and values
  torch::Tensor logits_;          // [rows, vocab]: what each row samples from next
  std::vector<Joining> joining_;
  std::size_t joining_rows_ = 0;
  std::size_t reserved_ = 0;  // running and joining rows' memory

  mutable std::mutex stats_mutex_;
  ServingStats stats_;
};

}  // namespace reasonrec::engine
