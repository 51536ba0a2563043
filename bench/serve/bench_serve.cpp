// bench/serve: the Rec-SAVER workload (per example a reasoning prompt, an explanation prompt
// sampled n times and a verification prompt judging the first explanation, all over the same
// user history) on a small random-weight Llama-family model with a real tokenizer, run naively
// (each request alone) and through the ServingEngine (continuous batching + prefix cache) in
// the same process, taking turns, several runs each. Reports prompt tokens computed, wall time
// with its spread, and whether both sides produced the same outputs; records its section of
// BENCHMARKS.md and bench/results/serve.json.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "bench_model.hpp"
#include "benchmarks_md.hpp"
#include "machine.hpp"
#include "runs.hpp"
#include "spread.hpp"
#include "workload.hpp"

namespace {

using namespace reasonrec;
namespace fs = std::filesystem;

// A scratch directory removed on every way out.
class ScratchDir {
 public:
  ScratchDir()
      : path_(fs::temp_directory_path() / ("reasonrec-bench-serve-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::size_t common_prefix(const std::vector<std::int32_t>& a, const std::vector<std::int32_t>& b) {
  return static_cast<std::size_t>(std::mismatch(a.begin(), a.end(), b.begin(), b.end()).first -
                                  a.begin());
}

struct PromptShape {
  double reasoning = 0, explanation = 0, verification = 0;  // mean lengths
  double shared_explanation = 0, shared_verification = 0;   // mean common prefix with reasoning
};

PromptShape prompt_shape(const std::vector<bench::RecSaverExample>& examples,
                         const bench::RunResult& run, const engine::Tokenizer& tokenizer,
                         const bench::WorkloadOptions& options) {
  PromptShape shape;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const auto& e = examples[i];
    const auto verify =
        bench::verification_spec(e, run.outputs[i].explanation.at(0).text, tokenizer, options);
    shape.reasoning += static_cast<double>(e.reasoning.prompt.size());
    shape.explanation += static_cast<double>(e.explanation.prompt.size());
    shape.verification += static_cast<double>(verify.prompt.size());
    shape.shared_explanation +=
        static_cast<double>(common_prefix(e.reasoning.prompt, e.explanation.prompt));
    shape.shared_verification +=
        static_cast<double>(common_prefix(e.reasoning.prompt, verify.prompt));
  }
  const double n = static_cast<double>(examples.size());
  for (double* v : {&shape.reasoning, &shape.explanation, &shape.verification,
                    &shape.shared_explanation, &shape.shared_verification}) {
    *v /= n;
  }
  return shape;
}

}  // namespace

int main(int argc, char** argv) {
  int count = 50;
  bench::WorkloadOptions workload;
  bench::ModelShape shape;
  engine::ServingOptions serving;
  serving.kv_budget_bytes = std::size_t{1} << 30;
  std::size_t kv_budget_mb = serving.kv_budget_bytes >> 20;
  const fs::path source_dir = REASONREC_SOURCE_DIR;
  fs::path shared_dir = source_dir.parent_path() / "shared";
  if (const char* env = std::getenv("REASONREC_SHARED")) shared_dir = env;
  std::string benchmarks_md = (source_dir / "BENCHMARKS.md").string();
  bool write_md = true;
  bool naive_only = false;
  int repeats = 3;
  CLI::App app{"bench/serve: the Rec-SAVER workload, naive vs the serving engine"};
  app.add_option("--examples", count, "Examples (three prompts each)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  app.add_option("--max-tokens", workload.max_new_tokens, "Tokens generated per sample")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  app.add_option("--samples", workload.explanation_samples, "Samples of each explanation prompt")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--temperature", workload.explanation_temperature,
                 "Sampling temperature of the explanations")
      ->capture_default_str();
  app.add_option("--seed", workload.seed, "Seed of examples, weights and sampling")
      ->capture_default_str();
  app.add_option("--budget", workload.prompt_budget, "Tokens the reasoning prompt is fitted to")
      ->capture_default_str();
  app.add_option("--hidden", shape.hidden, "Model hidden size")->capture_default_str();
  app.add_option("--layers", shape.layers, "Model layers")->capture_default_str();
  app.add_option("--intermediate", shape.intermediate, "Model FFN size")->capture_default_str();
  app.add_option("--batch-rows", serving.max_batch_rows, "Serving engine: rows per step")
      ->capture_default_str();
  app.add_option("--kv-budget-mb", kv_budget_mb, "Serving engine: KV cache budget (MiB)")
      ->capture_default_str();
  app.add_option("--shared", shared_dir, "The shared data and models (../shared)")
      ->capture_default_str();
  app.add_option("--benchmarks-md", benchmarks_md, "BENCHMARKS.md to record into");
  app.add_flag("!--no-record", write_md, "Do not write BENCHMARKS.md");
  app.add_option("--repeats", repeats, "Runs of each side, taking turns (median and spread)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_flag("--naive-only", naive_only, "Run the naive half only (sizing; records nothing)");
  CLI11_PARSE(app, argc, argv);
  serving.kv_budget_bytes = kv_budget_mb << 20;

  try {
    const ScratchDir scratch;
    std::cerr << "writing the model...\n";
    const auto model_dir =
        bench::write_bench_model(scratch.path(), shared_dir / "models", shape, workload.seed);
    const auto model = engine::LocalModel::load(model_dir);
    std::cerr << "loading " << count << " examples...\n";
    std::vector<bench::RecSaverExample> examples;
    const auto requests = bench::load_requests(shared_dir / "data", count, workload.seed);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      examples.push_back(bench::make_example(requests[i], i, model.tokenizer(), workload));
    }

    const double load_start = bench::load_average();
    if (naive_only) {
      const bench::RunResult naive = bench::run_naive(model, examples, workload);
      const PromptShape p = prompt_shape(examples, naive, model.tokenizer(), workload);
      std::cout << fmt::format(
          "naive: {} requests, {} prompt tokens, {} generated, {:.1f} s; mean prompt lengths "
          "{:.0f} / {:.0f} / {:.0f}, shared with reasoning {:.0f} / {:.0f}\n",
          naive.requests, naive.prompt_tokens, naive.generated_tokens, naive.seconds, p.reasoning,
          p.explanation, p.verification, p.shared_explanation, p.shared_verification);
      return 0;
    }
    // The two sides take turns, `repeats` runs each; every serving run gets a fresh engine
    // (empty prefix cache), so every run does the same work.
    std::vector<double> naive_s, served_s;
    std::size_t differences = 0;
    bench::RunResult naive, served;
    engine::ServingStats stats;
    for (int r = 0; r < repeats; ++r) {
      naive = bench::run_naive(model, examples, workload);
      served = bench::run_serving(model, examples, workload, serving, stats);
      naive_s.push_back(naive.seconds);
      served_s.push_back(served.seconds);
      differences += bench::count_differences(naive, served);
      std::cerr << fmt::format("run {} of {}: naive {:.1f} s, serving engine {:.1f} s\n", r + 1,
                               repeats, naive.seconds, served.seconds);
    }
    const bench::Spread naive_time = bench::spread_of(naive_s);
    const bench::Spread served_time = bench::spread_of(served_s);
    const bench::Spread naive_rate =
        bench::rates_of(naive_time, static_cast<double>(naive.generated_tokens));
    const bench::Spread served_rate =
        bench::rates_of(served_time, static_cast<double>(served.generated_tokens));

    const std::size_t samples = bench::count_samples(naive) * static_cast<std::size_t>(repeats);
    const PromptShape prompts = prompt_shape(examples, naive, model.tokenizer(), workload);
    const double token_ratio =
        static_cast<double>(naive.prompt_tokens_computed) /
        static_cast<double>(std::max<std::uint64_t>(1, stats.prompt_tokens_computed));
    const bench::Ratio speedup = bench::ratio_of(naive_time, served_time);
    const double params = [&] {
      const double h = shape.hidden, f = shape.intermediate, v = 512;
      const double kv = h / shape.heads * shape.kv_heads;
      return v * h + shape.layers * (2 * h * h + 2 * h * kv + 3 * h * f + 2 * h) + h;
    }();
    const double load_end = bench::load_average();

    const std::string section = fmt::format(
        "## bench/serve: the Rec-SAVER workload, naive vs continuous batching + prefix cache\n\n"
        "{} test examples of the Amazon 2018 Magazine_Subscriptions 5-core reviews with metadata "
        "(../shared/data, read and sampled by the prepare stage's code: balanced over ratings, "
        "4-10 history items). Per example three prompts over the same user history, rendered "
        "with the built-in templates: reasoning (`cot`, greedy), explanation (`recsaver_explain`, "
        "n = {} samples at temperature {}, seeded) and verification (`recsaver_verify`, greedy, "
        "judging the text of the first explanation sample, so it is submitted when that "
        "explanation is done); {} new tokens per sample. Model: a Llama-family decoder with "
        "random weights ({} layers, hidden {}, {} query / {} key-value heads, FFN {}, {:.1f}M "
        "parameters, fp32) and stories260K's 512-piece tokenizer, completion form with BOS. "
        "Each example is fitted once to a {}-token reasoning prompt (`prompt::fit_to_budget` "
        "with the model's tokenizer; long reviews and descriptions trimmed) and that fitted "
        "example renders all three prompts, so their common prefix survives. Mean prompt lengths: "
        "reasoning {:.0f}, explanation {:.0f}, verification {:.0f} tokens; "
        "the explanation and verification prompts share on average {:.0f} and {:.0f} leading "
        "tokens with the reasoning prompt (everything up to the new item block's end; the rest "
        "is each template's own instructions, which bound the saving at about 3x however long "
        "the history).\n\n"
        "Naive: each request alone through `LocalModel::generate`, one after the other (the n "
        "samples of a request share its prefill, nothing else is shared). Serving: every request "
        "through one `ServingEngine` ({} rows per step, prefix cache, KV budget {} MiB), all "
        "reasoning and explanation requests submitted at once, a fresh engine (empty prefix "
        "cache) each run. Same process, same model; the two sides took turns, {} runs each "
        "(naive, serving, then again); times and rates are median (min–max) over the runs, the "
        "ratio median over median with the range the runs allow (slowest over fastest either "
        "way). Token counts are the same in every run.\n\n"
        "| | requests | prompt tokens | prompt tokens computed | generated tokens | wall time | "
        "generated tokens/s |\n|---|---|---|---|---|---|---|\n"
        "| naive | {} | {} | {} | {} | {} s | {} |\n"
        "| serving engine | {} | {} | {} | {} | {} s | {} |\n\n"
        "Prompt tokens computed: **{:.1f}x fewer** (target 2x: {}); {:.1f}% of the serving "
        "engine's prompt tokens were read from the prefix cache (`ServingStats` of the last run: "
        "{} reused, {} prefixes cached at the end, {} evicted). End-to-end throughput: {} "
        "(target 2x: {}). Outputs identical (same seeds): **{}** ({} of {} samples differ over "
        "all runs).\n\n"
        "Machine: {} hardware threads shared with other work (1-minute load average {:.2f} at "
        "the start, {:.2f} at the end); libtorch 1.13 with OpenBLAS. {}. Command: "
        "`build/bench/serve/bench_serve` (`--examples N`, `--max-tokens`, `--samples`, "
        "`--repeats`, model shape flags; `--help`).\n",
        count, workload.explanation_samples, workload.explanation_temperature,
        workload.max_new_tokens, shape.layers, shape.hidden, shape.heads, shape.kv_heads,
        shape.intermediate, params / 1e6, workload.prompt_budget, prompts.reasoning,
        prompts.explanation, prompts.verification, prompts.shared_explanation,
        prompts.shared_verification, serving.max_batch_rows, kv_budget_mb, repeats, naive.requests,
        naive.prompt_tokens, naive.prompt_tokens_computed, naive.generated_tokens,
        bench::show(naive_time, 1), bench::show(naive_rate, 1), served.requests,
        served.prompt_tokens, served.prompt_tokens_computed, served.generated_tokens,
        bench::show(served_time, 1), bench::show(served_rate, 1), token_ratio,
        token_ratio >= 2.0 ? "met" : "not met", 100.0 * stats.reuse_fraction(),
        stats.prompt_tokens_reused, stats.cached_prefixes, stats.evictions, bench::show(speedup, 1),
        speedup.median >= 2.0 ? "met" : "not met", differences == 0 ? "yes" : "NO", differences,
        samples, std::thread::hardware_concurrency(), load_start, load_end, bench::today_utc());
    std::cout << section;
    if (differences != 0) {
      std::cerr << "outputs differ between the naive run and the serving engine\n";
    }
    if (write_md) {
      bench::record_section(benchmarks_md, "serve", section);
      const auto side = [](const bench::RunResult& run, const bench::Spread& time,
                           const bench::Spread& rate) {
        return nlohmann::json{{"requests", run.requests},
                              {"prompt_tokens", run.prompt_tokens},
                              {"prompt_tokens_computed", run.prompt_tokens_computed},
                              {"generated_tokens", run.generated_tokens},
                              {"seconds", bench::to_json(time)},
                              {"generated_tokens_per_s", bench::to_json(rate)}};
      };
      const nlohmann::json record = {
          {"bench", "serve"},
          {"date", bench::today_utc()},
          {"examples", count},
          {"repeats", repeats},
          {"naive", side(naive, naive_time, naive_rate)},
          {"serving", side(served, served_time, served_rate)},
          {"prompt_tokens_computed_ratio", token_ratio},
          {"throughput_ratio", bench::to_json(speedup)},
          {"samples_compared", samples},
          {"samples_differing", differences},
          {"load_average", {{"start", load_start}, {"end", load_end}}},
          {"machine", {{"threads", std::thread::hardware_concurrency()}}},
      };
      std::cerr << "recorded in " << benchmarks_md << " and "
                << bench::write_results("serve", record) << "\n";
    }
    return differences == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "bench_serve: " << e.what() << "\n";
    return 1;
  }
}
