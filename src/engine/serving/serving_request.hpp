#pragma once

// One submitted spec as the serving engine tracks it: its results as its samples finish, the
// caller's callbacks, cancellation and failure. Shared by the caller (PendingGeneration) and
// the engine's thread.

#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <vector>

#include "engine/serving_engine.hpp"

namespace reasonrec::engine {

class ServingRequest final : public PendingGeneration {
 public:
  ServingRequest(GenerationSpec spec, GenerationCallbacks callbacks);

  // PendingGeneration, for the caller.
  std::vector<Generation> wait() override;
  bool ready() const override;
  void cancel() override;

  // For the engine's thread.
  const GenerationSpec& spec() const { return spec_; }
  // Whether its samples should stop (cancelled by the caller, or failed).
  bool stopping() const { return stop_.load(); }
  // True once, for a request the caller cancelled (ServingStats::cancelled counts it).
  bool take_cancellation() {
    return cancelled_by_caller_.load() && !cancellation_counted_.exchange(true);
  }
  // Calls on_token; an exception from it fails the request.
  void emit(const TokenEvent& event);
  // Stores sample `sample`'s result and calls on_finish; the last one completes the request.
  void finish_sample(int sample, Generation generation);
  // Every sample cancelled before it started.
  void finish_unstarted(const char* reason);
  // Ends the request now with `error` (wait() rethrows it); samples still running stop.
  void fail(std::exception_ptr error);

 private:
  void complete_locked();

  GenerationSpec spec_;
  GenerationCallbacks callbacks_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> cancelled_by_caller_{false};
  std::atomic<bool> cancellation_counted_{false};

  mutable std::mutex mutex_;
  std::condition_variable finished_cv_;
  std::vector<Generation> results_;
  std::vector<bool> sample_done_;
  int remaining_ = 0;
  std::exception_ptr error_;
  bool finished_ = false;
};

}  // namespace reasonrec::engine
