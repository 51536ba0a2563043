// bench/decode: tokens per second of the in-process engine on a Qwen2.5-0.5B-shaped decoder
// with random fp32 weights (built in memory), batch 1 and batch 16, against the
// memory-bandwidth bound measured in the same run: decoding one token reads every weight once,
// so batch 1 runs at most at (read bandwidth) / (weight bytes) tokens per second. Batch 1 runs
// through the engine's MatVec kernel and, as the baseline, through torch::mv; prefill is timed
// too. Records its section of BENCHMARKS.md and bench/results/decode.json.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "benchmarks_md.hpp"
#include "engine/generation/generator.hpp"
#include "engine/model/llama.hpp"
#include "machine.hpp"
#include "spread.hpp"
#include "util/random.hpp"

namespace {

using namespace reasonrec;
using Clock = std::chrono::steady_clock;

// Generation needs a tokenizer only for the text of what it generates.
class ByteTokenizer : public engine::Tokenizer {
 public:
  explicit ByteTokenizer(std::int32_t vocab) : vocab_(vocab) {}
  std::vector<std::int32_t> encode(std::string_view text, bool) const override {
    return std::vector<std::int32_t>(text.begin(), text.end());
  }
  std::string decode(std::span<const std::int32_t> ids, bool) const override {
    return std::string(ids.size(), 'x');
  }
  std::int32_t vocab_size() const override { return vocab_; }
  std::optional<std::int32_t> token_to_id(std::string_view) const override { return {}; }
  std::string id_to_token(std::int32_t) const override { return "x"; }
  std::string token_bytes(std::int32_t) const override { return "x"; }
  bool is_special(std::int32_t) const override { return false; }
  std::optional<std::int32_t> bos_id() const override { return {}; }
  std::optional<std::int32_t> eos_id() const override { return {}; }
  std::optional<std::int32_t> pad_id() const override { return {}; }

 private:
  std::int32_t vocab_;
};

const char* kQwen25_05B = R"({
  "model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864,
  "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
  "max_position_embeddings": 32768, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
  "tie_word_embeddings": true})";

#if defined(__x86_64__)
// Sums floats with AVX2: eight independent accumulators of eight lanes, 256 bytes per
// iteration, so the loads, not the adds, set the pace.
__attribute__((target("avx2"))) float sum_avx2(const float* p, std::size_t n) {
  __m256 a[8];
  for (auto& v : a) v = _mm256_setzero_ps();
  std::size_t i = 0;
  for (; i + 64 <= n; i += 64) {
    for (int k = 0; k < 8; ++k) a[k] = _mm256_add_ps(a[k], _mm256_loadu_ps(p + i + 8 * k));
  }
  for (int k = 1; k < 8; ++k) a[0] = _mm256_add_ps(a[0], a[k]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, a[0]);
  float sum = 0.0f;
  for (const float v : lanes) sum += v;
  for (; i < n; ++i) sum += p[i];
  return sum;
}
#endif

float sum_scalar(const float* p, std::size_t n) {
  float a[8] = {};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) a[k] += p[i + static_cast<std::size_t>(k)];
  }
  float sum = 0.0f;
  for (const float v : a) sum += v;
  for (; i < n; ++i) sum += p[i];
  return sum;
}

float sum_floats(const float* p, std::size_t n) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) return sum_avx2(p, n);
#endif
  return sum_scalar(p, n);
}

// Read-only streaming bandwidth, what a matrix-vector product needs: `threads` threads sum a
// buffer as large as the model's weights (far beyond any cache), either each its own contiguous
// slice or claiming 1 MB chunks in turn (MatVec's pattern); bytes read per second, best of
// `repeats`. The threads start before the clock and wait for one signal, so thread start-up is
// not counted against the memory system.
double read_bandwidth(const std::vector<float>& buffer, int threads, bool chunked, int repeats) {
  constexpr std::size_t kChunk = (std::size_t{1} << 20) / sizeof(float);
  const std::size_t n = buffer.size();
  double best = 0.0;
  static volatile float sink = 0.0f;
  for (int r = 0; r < repeats; ++r) {
    std::atomic<bool> go{false};
    std::atomic<std::size_t> next{0};
    std::vector<float> sums(static_cast<std::size_t>(threads), 0.0f);
    std::vector<std::thread> readers;
    for (int t = 0; t < threads; ++t) {
      readers.emplace_back([&, t] {
        while (!go.load(std::memory_order_acquire)) {
        }
        float sum = 0.0f;
        if (chunked) {
          for (std::size_t c; (c = next.fetch_add(kChunk)) < n;)
            sum += sum_floats(buffer.data() + c, std::min(kChunk, n - c));
        } else {
          const std::size_t begin =
              n * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
          const std::size_t end =
              n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
          sum = sum_floats(buffer.data() + begin, end - begin);
        }
        sums[static_cast<std::size_t>(t)] = sum;
      });
    }
    const auto start = Clock::now();
    go.store(true, std::memory_order_release);
    for (auto& reader : readers) reader.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::max(best, static_cast<double>(n * sizeof(float)) / seconds);
    for (const float v : sums) sink = sink + v;
  }
  return best;
}

// The best read bandwidth over one thread and every hardware thread, contiguous and chunked.
double stream_bandwidth(const std::vector<float>& buffer) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  double best = 0.0;
  for (int threads : {1, cores}) {
    for (bool chunked : {false, true})
      best = std::max(best, read_bandwidth(buffer, threads, chunked, 3));
  }
  return best;
}

std::vector<engine::GenerationSpec> random_prompts(int batch, int prompt_tokens) {
  std::vector<engine::GenerationSpec> specs;
  Rng rng(7);
  for (int b = 0; b < batch; ++b) {
    engine::GenerationSpec spec;
    for (int t = 0; t < prompt_tokens; ++t)
      spec.prompt.push_back(static_cast<std::int32_t>(rng.below(150000)));
    specs.push_back(spec);
  }
  return specs;
}

// Seconds of one generate() call making `new_tokens` tokens for every prompt.
double generate_seconds(const engine::Generator& generator,
                        std::vector<engine::GenerationSpec>& specs, int new_tokens) {
  for (auto& s : specs) s.max_new_tokens = new_tokens;
  const auto start = Clock::now();
  const auto out = generator.generate(specs);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const auto& g : out) {
    if (static_cast<int>(g[0].tokens.size()) != new_tokens)
      throw std::runtime_error("stopped early");
  }
  return seconds;
}

// Decode-only tokens per second (all rows together): a run generating `steps` + 1 tokens minus
// one generating 1 (prefill and first token).
double decode_rate(const engine::Generator& generator, int batch, int prompt_tokens, int steps) {
  auto specs = random_prompts(batch, prompt_tokens);
  const double first = generate_seconds(generator, specs, 1);
  const double full = generate_seconds(generator, specs, steps + 1);
  return static_cast<double>(batch * steps) / (full - first);
}

// Prompt processing (prefill) tokens per second at batch 1: a `prompt_tokens` prompt with one
// new token (its logits and sampling included, so a slight understatement).
double prefill_rate(const engine::Generator& generator, int prompt_tokens) {
  auto specs = random_prompts(1, prompt_tokens);
  return static_cast<double>(prompt_tokens) / generate_seconds(generator, specs, 1);
}

struct Round {
  double bandwidth = 0.0;  // bytes read per second
  double bound = 0.0;      // tokens per second
  double matvec = 0.0;     // tokens per second
  double blas = 0.0;       // tokens per second
  double prefill = 0.0;    // prompt tokens per second
};

template <typename Value>
bench::Spread spread(const std::vector<Round>& rounds, Value value) {
  std::vector<double> values;
  for (const Round& r : rounds) values.push_back(value(r));
  return bench::spread_of(values);
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 32;
  int repeats = 5;
  int prompt_tokens = 32;
  int prefill_tokens = 128;
  std::string benchmarks_md = std::string(REASONREC_SOURCE_DIR) + "/BENCHMARKS.md";
  bool write_md = true;
  CLI::App app{"bench/decode: engine decoding throughput vs the memory-bandwidth bound"};
  app.add_option("--steps", steps, "Decode steps timed per run")->capture_default_str();
  app.add_option("--repeats", repeats, "Rounds (each side once per round; median and spread)")
      ->capture_default_str();
  app.add_option("--prompt-tokens", prompt_tokens, "Prompt length before decoding")
      ->capture_default_str();
  app.add_option("--prefill-tokens", prefill_tokens, "Prompt length of the prefill runs")
      ->capture_default_str();
  app.add_option("--benchmarks-md", benchmarks_md, "BENCHMARKS.md to record into");
  app.add_flag("!--no-record", write_md, "Do not write BENCHMARKS.md");
  CLI11_PARSE(app, argc, argv);

  engine::configure_cpu_threads();
  const double load_start = bench::load_average();
  const auto config =
      engine::LlamaConfig::from_json(nlohmann::json::parse(kQwen25_05B), "qwen2.5-0.5b shape");
  std::cerr << "building random weights...\n";
  engine::LlamaModel model = engine::LlamaModel::random(config, 1);
  const double weight_bytes = 4.0 * static_cast<double>(config.parameter_count());
  const ByteTokenizer tokenizer(static_cast<std::int32_t>(config.vocab_size));
  const engine::Generator generator(model, tokenizer, {{}, 0, 16});
  // The bandwidth probe reads a buffer as large as the weights, written once so that every
  // page is backed.
  const std::vector<float> probe(static_cast<std::size_t>(config.parameter_count()), 1.0f);

  // The memory bandwidth of a shared machine drifts by a third within minutes, so each
  // batch-1 round is bracketed by its own bandwidth measurements and judged against them.
  std::vector<Round> rounds;
  std::vector<double> batched;
  for (int r = 0; r < repeats; ++r) {
    std::cerr << "round " << r + 1 << " of " << repeats
              << ": read bandwidth, batch 1 (MatVec, torch::mv), prefill, read bandwidth\n";
    Round round;
    const double before = stream_bandwidth(probe);
    round.matvec = decode_rate(generator, 1, prompt_tokens, steps);
    model.set_matvec(false);
    round.blas = decode_rate(generator, 1, prompt_tokens, steps);
    model.set_matvec(true);
    round.prefill = prefill_rate(generator, prefill_tokens);
    round.bandwidth = std::max(before, stream_bandwidth(probe));
    round.bound = round.bandwidth / weight_bytes;
    std::cerr << fmt::format(
        "  {:.1f} GB/s, bound {:.2f} tok/s; MatVec {:.2f}, torch::mv {:.2f}, prefill {:.1f} "
        "tok/s\n",
        round.bandwidth / 1e9, round.bound, round.matvec, round.blas, round.prefill);
    rounds.push_back(round);
  }
  for (int r = 0; r < repeats; ++r) {
    std::cerr << "batch 16, run " << r + 1 << " of " << repeats << "\n";
    batched.push_back(decode_rate(generator, 16, prompt_tokens, steps));
  }

  const bench::Spread share = spread(rounds, [](const Round& r) { return r.matvec / r.bound; });
  const bench::Spread blas_share = spread(rounds, [](const Round& r) { return r.blas / r.bound; });
  const bench::Spread one = spread(rounds, [](const Round& r) { return r.matvec; });
  const bench::Spread blas = spread(rounds, [](const Round& r) { return r.blas; });
  const bench::Spread bound = spread(rounds, [](const Round& r) { return r.bound; });
  const bench::Spread bandwidth = spread(rounds, [](const Round& r) { return r.bandwidth / 1e9; });
  const bench::Spread prefill = spread(rounds, [](const Round& r) { return r.prefill; });
  const bench::Spread kernel_gain =
      spread(rounds, [](const Round& r) { return r.matvec / r.blas; });
  const bench::Spread sixteen = bench::spread_of(batched);
  const bench::Ratio speedup = bench::ratio_of(sixteen, one);
  const double worst_share = std::max(share.max, blas_share.max);
  std::string table;
  for (std::size_t i = 0; i < rounds.size(); ++i) {
    const Round& r = rounds[i];
    table +=
        fmt::format("| {} | {:.1f} | {:.2f} | {:.2f} ({:.0f}%) | {:.2f} ({:.0f}%) | {:.1f} |\n",
                    i + 1, r.bandwidth / 1e9, r.bound, r.matvec, 100.0 * r.matvec / r.bound, r.blas,
                    100.0 * r.blas / r.bound, r.prefill);
  }
  const double load_end = bench::load_average();
  const auto pct = [](const bench::Spread& s) {
    return fmt::format("**{:.0f}%** ({:.0f}–{:.0f}%)", 100.0 * s.median, 100.0 * s.min,
                       100.0 * s.max);
  };
  const std::string section = fmt::format(
      "## bench/decode: engine decoding vs the memory-bandwidth bound\n\n"
      "A Qwen2.5-0.5B-shaped decoder (24 layers, hidden 896, 14 query / 2 key-value heads, FFN "
      "4864, vocabulary 151,936, tied embeddings, q/k/v biases) with random fp32 weights: "
      "{:.0f}M parameters, {:.2f} GB read per decoded token. Greedy decoding through the "
      "engine's Generator (KV cache, batching, sampling code path) after a {}-token prompt; "
      "decode-only rate = {} steps timed as (run of {} tokens) - (run of 1 token). "
      "Bound: read-only streaming bandwidth, the access a matrix-vector product makes: an AVX2 "
      "sum over a buffer the size of the weights ({:.2f} GB, far beyond the caches), bytes read "
      "per second, best of 3 runs on one thread and on every hardware thread, each with "
      "contiguous slices and with 1 MB chunks claimed in turn (MatVec's pattern); bound = that "
      "bandwidth / weight bytes per token. Decoding also reads the KV cache and activations, so "
      "no decoder can reach it. The bandwidth of this shared VM drifts by a third within "
      "minutes, so each round measures it just before and just after its batch-1 runs (the "
      "higher kept: the stricter bound) and is judged against its own bound. Each round runs, "
      "once each: batch 1 through the engine's MatVec kernel (the default), batch 1 through "
      "torch::mv (OpenBLAS sgemv, the baseline), and prompt processing (prefill) of a {}-token "
      "prompt at batch 1 (prompt tokens / time of a run making 1 new token).\n\n"
      "| round | read GB/s | bound tok/s | MatVec tok/s (vs bound) | torch::mv tok/s (vs bound) "
      "| prefill tok/s |\n|---|---|---|---|---|---|\n{}\n"
      "| {} rounds, median (min–max) | tokens/s | vs bound |\n|---|---|---|\n"
      "| read bandwidth | {} GB/s | |\n"
      "| bound | {} | |\n"
      "| batch 1, MatVec | {} | {} |\n"
      "| batch 1, torch::mv (baseline) | {} | {:.0f}% ({:.0f}–{:.0f}%) |\n"
      "| batch 16 (total, GEMM; {} runs after the rounds) | {} | |\n"
      "| prefill, {}-token prompt, batch 1 | {} | |\n\n"
      "MatVec / torch::mv: **{:.2f}x** ({:.2f}–{:.2f}; the rounds' own ratios). Batch 16 / "
      "batch 1: {}. Highest share of the bound in any round: {:.0f}%{}. Targets: batch 1 at "
      "least 70% of the bound ({}), batch 16 at least 3x batch 1 ({}).\n\n"
      "Machine: {}, {} hardware threads shared with other work (1-minute load average {:.2f} "
      "at the start, {:.2f} at the end); libtorch 1.13 with OpenBLAS, at::set_num_threads(1); "
      "MatVec on every hardware thread. {}. Command: `build/bench/decode/bench_decode`.\n",
      static_cast<double>(config.parameter_count()) / 1e6, weight_bytes / 1e9, prompt_tokens, steps,
      steps + 1, weight_bytes / 1e9, prefill_tokens, table, rounds.size(),
      bench::show(bandwidth, 1), bench::show(bound, 2), bench::show(one, 2), pct(share),
      bench::show(blas, 2), 100.0 * blas_share.median, 100.0 * blas_share.min,
      100.0 * blas_share.max, repeats, bench::show(sixteen, 2), prefill_tokens,
      bench::show(prefill, 1), kernel_gain.median, kernel_gain.min, kernel_gain.max,
      bench::show(speedup, 1), 100.0 * worst_share,
      worst_share > 1.0 ? " (ABOVE the bound: the bound is wrong)" : "",
      share.median >= 0.7 ? "met" : "not met", speedup.median >= 3.0 ? "met" : "not met",
      bench::cpu_name(), std::thread::hardware_concurrency(), load_start, load_end,
      bench::today_utc());
  std::cout << section;
  if (write_md) {
    bench::record_section(benchmarks_md, "decode", section);
    nlohmann::json per_round = nlohmann::json::array();
    for (const Round& r : rounds) {
      per_round.push_back({{"read_bytes_per_s", r.bandwidth},
                           {"bound_tokens_per_s", r.bound},
                           {"matvec_tokens_per_s", r.matvec},
                           {"torch_mv_tokens_per_s", r.blas},
                           {"prefill_tokens_per_s", r.prefill}});
    }
    const nlohmann::json record = {
        {"bench", "decode"},
        {"date", bench::today_utc()},
        {"parameters", config.parameter_count()},
        {"weight_bytes", weight_bytes},
        {"prompt_tokens", prompt_tokens},
        {"prefill_tokens", prefill_tokens},
        {"steps", steps},
        {"rounds", per_round},
        {"read_gb_per_s", bench::to_json(bandwidth)},
        {"bound_tokens_per_s", bench::to_json(bound)},
        {"batch1_matvec_tokens_per_s", bench::to_json(one)},
        {"batch1_torch_mv_tokens_per_s", bench::to_json(blas)},
        {"batch16_tokens_per_s", bench::to_json(sixteen)},
        {"prefill_tokens_per_s", bench::to_json(prefill)},
        {"matvec_share_of_bound", bench::to_json(share)},
        {"torch_mv_share_of_bound", bench::to_json(blas_share)},
        {"matvec_over_torch_mv", bench::to_json(kernel_gain)},
        {"batch16_over_batch1", bench::to_json(speedup)},
        {"load_average", {{"start", load_start}, {"end", load_end}}},
        {"machine", {{"cpu", bench::cpu_name()}, {"threads", std::thread::hardware_concurrency()}}},
    };
    std::cerr << "recorded in " << benchmarks_md << " and "
              << bench::write_results("decode", record) << "\n";
  }
  return 0;
}
