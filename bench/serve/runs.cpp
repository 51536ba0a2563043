#include "runs.hpp"

#include <chrono>
#include <iostream>
#include <thread>

namespace reasonrec::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::uint64_t generated(const std::vector<engine::Generation>& samples) {
  std::uint64_t tokens = 0;
  for (const auto& g : samples) tokens += g.tokens.size();
  return tokens;
}

void count_outputs(RunResult& run) {
  for (const auto& o : run.outputs) {
    run.generated_tokens +=
        generated(o.reasoning) + generated(o.explanation) + generated(o.verification);
  }
}

std::vector<engine::Generation> generate_alone(const engine::LocalModel& model,
                                               const engine::GenerationSpec& spec, RunResult& run) {
  run.requests += 1;
  run.prompt_tokens += spec.prompt.size();
  run.prompt_tokens_computed += spec.prompt.size();
  return model.generate(std::span(&spec, 1)).at(0);
}

void report_progress(const char* what, std::size_t done, std::size_t total,
                     Clock::time_point start) {
  if (done % 10 == 0 || done == total) {
    std::cerr << what << ": " << done << "/" << total << " examples, " << seconds_since(start)
              << " s\n";
  }
}

}  // namespace

RunResult run_naive(const engine::LocalModel& model, const std::vector<RecSaverExample>& examples,
                    const WorkloadOptions& options) {
  RunResult run;
  const auto start = Clock::now();
  for (const auto& example : examples) {
    ExampleOutputs out;
    out.reasoning = generate_alone(model, example.reasoning, run);
    out.explanation = generate_alone(model, example.explanation, run);
    const auto verify =
        verification_spec(example, out.explanation.at(0).text, model.tokenizer(), options);
    out.verification = generate_alone(model, verify, run);
    run.outputs.push_back(std::move(out));
    report_progress("naive", run.outputs.size(), examples.size(), start);
  }
  run.seconds = seconds_since(start);
  count_outputs(run);
  return run;
}

RunResult run_serving(const engine::LocalModel& model, const std::vector<RecSaverExample>& examples,
                      const WorkloadOptions& options, const engine::ServingOptions& serving,
                      engine::ServingStats& stats) {
  RunResult run;
  engine::ServingEngine engine(model, serving);
  using Pending = std::shared_ptr<engine::PendingGeneration>;
  std::vector<Pending> reasoning, explanation, verification(examples.size());
  run.outputs.resize(examples.size());
  const auto start = Clock::now();
  // submit() blocks while the queue is full, so a larger workload than max_queued still runs.
  for (const auto& example : examples) {
    reasoning.push_back(engine.submit(example.reasoning));
    explanation.push_back(engine.submit(example.explanation));
  }
  // Chain the verifications: each is submitted as soon as its explanation is done, while the
  // engine keeps decoding everything else.
  std::size_t verifying = 0;
  while (verifying < examples.size()) {
    bool submitted = false;
    for (std::size_t i = 0; i < examples.size(); ++i) {
      if (verification[i] || !explanation[i]->ready()) continue;
      run.outputs[i].explanation = explanation[i]->wait();
      verification[i] = engine.submit(verification_spec(
          examples[i], run.outputs[i].explanation.at(0).text, model.tokenizer(), options));
      ++verifying;
      submitted = true;
    }
    if (!submitted) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (std::size_t i = 0; i < examples.size(); ++i) {
    run.outputs[i].reasoning = reasoning[i]->wait();
    run.outputs[i].verification = verification[i]->wait();
    report_progress("serving", i + 1, examples.size(), start);
  }
  run.seconds = seconds_since(start);
  stats = engine.stats();
  run.requests = stats.requests;
  run.prompt_tokens = stats.prompt_tokens;
  run.prompt_tokens_computed = stats.prompt_tokens_computed;
  count_outputs(run);
  return run;
}

std::size_t count_samples(const RunResult& run) {
  std::size_t samples = 0;
  for (const auto& o : run.outputs) {
    samples += o.reasoning.size() + o.explanation.size() + o.verification.size();
  }
  return samples;
}

std::size_t count_differences(const RunResult& a, const RunResult& b) {
  auto differ = [](const std::vector<engine::Generation>& x,
                   const std::vector<engine::Generation>& y) {
    std::size_t d = x.size() > y.size() ? x.size() - y.size() : y.size() - x.size();
    for (std::size_t s = 0; s < std::min(x.size(), y.size()); ++s) {
      if (x[s].tokens != y[s].tokens || x[s].text != y[s].text ||
          x[s].finish_reason != y[s].finish_reason) {
        ++d;
      }
    }
    return d;
  };
  std::size_t differences = 0;
  for (std::size_t i = 0; i < std::min(a.outputs.size(), b.outputs.size()); ++i) {
    differences += differ(a.outputs[i].reasoning, b.outputs[i].reasoning) +
                   differ(a.outputs[i].explanation, b.outputs[i].explanation) +
                   differ(a.outputs[i].verification, b.outputs[i].verification);
  }
  return differences;
}

}  // namespace reasonrec::bench
