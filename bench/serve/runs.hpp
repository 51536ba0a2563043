#pragma once

// The two ways bench/serve runs the Rec-SAVER workload: naive (each request alone through
// LocalModel::generate, in order, nothing shared between requests) and through the
// ServingEngine (continuous batching, prefix cache).

#include <cstdint>
#include <vector>

#include "engine/generation/types.hpp"
#include "engine/local_model.hpp"
#include "engine/serving_engine.hpp"
#include "workload.hpp"

namespace reasonrec::bench {

struct ExampleOutputs {
  std::vector<engine::Generation> reasoning, explanation, verification;
};

struct RunResult {
  std::vector<ExampleOutputs> outputs;  // per example
  double seconds = 0.0;                 // wall time of the whole workload
  std::uint64_t requests = 0;
  std::uint64_t prompt_tokens = 0;           // prompt lengths summed, each request once
  std::uint64_t prompt_tokens_computed = 0;  // prompt tokens that went through the model
  std::uint64_t generated_tokens = 0;
};

// Every request alone, one after the other; the n samples of a request share its prefill
// (LocalModel::generate does that), nothing else is shared: prompt tokens computed = the sum
// of the prompt lengths.
RunResult run_naive(const engine::LocalModel& model, const std::vector<RecSaverExample>& examples,
                    const WorkloadOptions& options);

// Every reasoning and explanation request submitted at once, each verification request as
// soon as its explanation is done; `stats` receives the engine's counters at the end.
RunResult run_serving(const engine::LocalModel& model, const std::vector<RecSaverExample>& examples,
                      const WorkloadOptions& options, const engine::ServingOptions& serving,
                      engine::ServingStats& stats);

// Number of generations (samples) whose tokens or text differ between the two runs.
std::size_t count_differences(const RunResult& a, const RunResult& b);
// Number of samples compared.
std::size_t count_samples(const RunResult& run);

}  // namespace reasonrec::bench
