// bench/text_metrics: BLEU (as NLTK 3.8 and as sacreBLEU 2.6.0) and chrF / chrF++ over
// candidate/reference pairs built from the shared review texts, against NLTK's sentence_bleu
// on the same pairs in the same run (bench/text_metrics/nltk_bleu.py). Checks that our NLTK
// BLEU scores equal NLTK's, prints the ratios with their spread and records them in BENCHMARKS.md
// (its own section, between markers) and bench/results/text_metrics.json.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include <time.h>

#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "benchmarks_md.hpp"
#include "eval/text_metrics.hpp"
#include "machine.hpp"
#include "spread.hpp"
#include "util/error.hpp"

namespace {

using namespace reasonrec;
using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t n = 20000;
  std::size_t nltk_n = 20000;
  std::size_t threads = 0;  // 0: hardware threads
  std::size_t repeats = 3;
  std::uint64_t seed = 1;
  std::string shared;
  std::string benchmarks_md = std::string(REASONREC_SOURCE_DIR) + "/BENCHMARKS.md";
  bool write_md = true;
};

struct Pair {
  std::string candidate;
  std::vector<std::string> references;
};

std::vector<Pair> read_pairs(const std::string& path) {
  std::ifstream in(path);
  std::vector<Pair> pairs;
  std::string line;
  while (std::getline(in, line)) {
    const auto row = nlohmann::json::parse(line);
    pairs.push_back({row.at("candidate").get<std::string>(),
                     row.at("references").get<std::vector<std::string>>()});
  }
  return pairs;
}

// CPU seconds of one thread scoring pairs [0, count) at the sentence level, once per repeat
// (CPU time, not wall-clock: the machine is shared, and NLTK is measured the same way).
std::vector<double> timed_cpu(const eval::TextMetric& metric, const std::vector<Pair>& pairs,
                              std::size_t count, std::size_t repeats) {
  std::vector<double> runs;
  for (std::size_t r = 0; r < repeats; ++r) {
    const double start = bench::thread_cpu_seconds();
    for (std::size_t i = 0; i < count; ++i) {
      metric.sentence(pairs[i].candidate, pairs[i].references);
    }
    runs.push_back(bench::thread_cpu_seconds() - start);
  }
  return runs;
}

// Wall-clock seconds of `threads` workers scoring pairs [0, count), once per repeat.
std::vector<double> timed(const eval::TextMetric& metric, const std::vector<Pair>& pairs,
                          std::size_t count, std::size_t threads, std::size_t repeats) {
  std::vector<double> runs;
  for (std::size_t r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const std::size_t begin = count * t / threads;
        const std::size_t end = count * (t + 1) / threads;
        for (std::size_t i = begin; i < end; ++i) {
          metric.sentence(pairs[i].candidate, pairs[i].references);
        }
      });
    }
    for (auto& w : workers) w.join();
    runs.push_back(std::chrono::duration<double>(Clock::now() - start).count());
  }
  return runs;
}

struct Row {
  std::string label;
  std::string baseline;  // the NLTK configuration it is compared with, or empty
};

int run(Options options) {
  options.shared = bench::shared_dir(options.shared);
  if (options.threads == 0) options.threads = std::max(1U, std::thread::hardware_concurrency());
  options.nltk_n = std::min(options.nltk_n, options.n);
  const double load_start = bench::load_average();
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("reasonrec-bench-text-metrics-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const std::string pairs_path = (dir / "pairs.jsonl").string();
  std::cerr << fmt::format("building {} pairs, running NLTK sentence_bleu on {}...\n", options.n,
                           options.nltk_n);
  const auto python = nlohmann::json::parse(bench::run_capture(
      fmt::format("/usr/bin/python3 '{}/bench/text_metrics/nltk_bleu.py' "
                  "'{}/data/amazon2018_all_beauty_5core/All_Beauty_5.json.gz' '{}' {} {} {} {}",
                  REASONREC_SOURCE_DIR, options.shared, pairs_path, options.n, options.nltk_n,
                  options.seed, options.repeats)));
  const std::vector<Pair> pairs = read_pairs(pairs_path);
  std::filesystem::remove_all(dir);

  const std::vector<Row> rows = {{"bleu-nltk", "none"},
                                 {"bleu-nltk:smooth=method1", "method1"},
                                 {"bleu", ""},
                                 {"chrf", ""},
                                 {"chrf++", ""}};
  std::string table =
      "| metric | pairs | reasonrec, 1 thread (CPU time) | reasonrec, 1 thread (wall) | "
      "reasonrec, {T} threads (wall) | NLTK, 1 thread (CPU time) | ratio, 1 thread (CPU) | "
      "ratio, {T} threads (wall vs NLTK wall) |\n|---|---|---|---|---|---|---|---|\n";
  table = fmt::format(fmt::runtime(table), fmt::arg("T", options.threads));
  double worst_diff = 0.0;
  const auto rates = [](std::size_t count, const std::vector<double>& seconds) {
    return bench::rates_of(bench::spread_of(seconds), static_cast<double>(count));
  };
  nlohmann::json record_rows = nlohmann::json::array();
  for (const Row& row : rows) {
    const eval::MetricSpec spec = eval::parse_metric_spec(row.label);
    const auto metric = eval::make_text_metric(spec.name, spec.options);
    std::cerr << "timing " << row.label << "...\n";
    const bench::Spread one =
        rates(options.n, timed_cpu(*metric, pairs, options.n, options.repeats));
    const bench::Spread one_wall =
        rates(options.n, timed(*metric, pairs, options.n, 1, options.repeats));
    const bench::Spread many =
        rates(options.n, timed(*metric, pairs, options.n, options.threads, options.repeats));
    std::string nltk_cell = "-";
    std::string ratio_one = "-";
    std::string ratio_many = "-";
    nlohmann::json record = {{"metric", row.label},
                             {"pairs", options.n},
                             {"reasonrec_pairs_per_s",
                              {{"one_thread_cpu", bench::to_json(one)},
                               {"one_thread_wall", bench::to_json(one_wall)},
                               {"threads_wall", bench::to_json(many)}}}};
    if (!row.baseline.empty()) {
      // Same numbers as NLTK on the baseline's pairs, or the comparison means nothing.
      const auto& expected = python.at("scores").at(row.baseline);
      for (std::size_t i = 0; i < options.nltk_n; ++i) {
        const double ours = metric->sentence(pairs[i].candidate, pairs[i].references).score;
        worst_diff = std::max(worst_diff, std::fabs(ours - expected[i].get<double>()));
      }
      if (worst_diff > 1e-12) {
        std::cerr << fmt::format("{} disagrees with NLTK by {:.3g}\n", row.label, worst_diff);
        return 1;
      }
      const bench::Spread nltk_cpu = rates(
          options.nltk_n, python.at("cpu_seconds").at(row.baseline).get<std::vector<double>>());
      const bench::Spread nltk_wall =
          rates(options.nltk_n, python.at("seconds").at(row.baseline).get<std::vector<double>>());
      const bench::Ratio r_one = bench::ratio_of(one, nltk_cpu);
      // Against NLTK's single-thread wall-clock rate: what the threads buy on this machine.
      const bench::Ratio r_many = bench::ratio_of(many, nltk_wall);
      nltk_cell = bench::show(nltk_cpu, 0) + " pairs/s";
      ratio_one = bench::show(r_one, 0);
      ratio_many = bench::show(r_many, 0);
      record["nltk_pairs"] = options.nltk_n;
      record["nltk_pairs_per_s"] = {{"one_thread_cpu", bench::to_json(nltk_cpu)},
                                    {"one_thread_wall", bench::to_json(nltk_wall)}};
      record["ratio"] = {{"one_thread_cpu", bench::to_json(r_one)},
                         {"threads_wall_vs_nltk_wall", bench::to_json(r_many)}};
    }
    record_rows.push_back(record);
    table += fmt::format("| `{}` | {} | {} pairs/s | {} pairs/s | {} pairs/s | {} | {} | {} |\n",
                         row.label, options.n, bench::show(one, 0), bench::show(one_wall, 0),
                         bench::show(many, 0), nltk_cell, ratio_one, ratio_many);
  }

  const std::string section = fmt::format(
      "## bench/text_metrics: BLEU and chrF vs NLTK sentence_bleu\n\n"
      "{} candidate/reference pairs built from the shared Amazon 2018 All_Beauty reviews (a "
      "review against one or two other reviews of the same item, 5-150 words each), scored at "
      "the sentence level. `bleu-nltk` is NLTK {}'s `sentence_bleu` over `str.split()` tokens "
      "(without smoothing, and with `SmoothingFunction().method1`); `bleu` is sacreBLEU 2.6.0's "
      "`sentence_bleu` (13a tokenizer, exp smoothing, effective order) and `chrf` / `chrf++` its "
      "`CHRF()` / `CHRF(word_order=2)` (sacreBLEU is not installed here, so these have no "
      "baseline). Baseline: NLTK timed in the same run on the first {} pairs, tokenization "
      "included; our scores on those pairs equal NLTK's (max |diff| {:.1e}). Each side ran {} "
      "times (NLTK first, then reasonrec), tokenization included; rates are median (min–max) "
      "over the runs, ratios median over median with the range the runs allow (slowest over "
      "fastest either way). The single-thread ratio compares CPU time (process time for NLTK, "
      "thread time for us), which a shared machine disturbs least; the multi-thread column is "
      "wall-clock throughput against NLTK's single-thread wall-clock rate.\n\n{}\n"
      "Issue 7's target, at least 50x NLTK single-threaded, is for BLEU + ROUGE + METEOR "
      "together (ROUGE and METEOR: bench/rouge_meteor); BLEU alone is at the ratio above. "
      "Machine: {}, {} hardware threads (shared; "
      "1-minute load average {:.2f} at the start of the run, {:.2f} at the end). {}. Command: "
      "`build/bench/text_metrics/bench_text_metrics`.\n",
      options.n, python.at("nltk").get<std::string>(), options.nltk_n, worst_diff, options.repeats,
      table, bench::cpu_name(), std::thread::hardware_concurrency(), load_start,
      bench::load_average(), reasonrec::bench::today_utc());
  std::cout << section;
  if (options.write_md) {
    reasonrec::bench::record_section(options.benchmarks_md, "text_metrics", section);
    const nlohmann::json record = {
        {"bench", "text_metrics"},
        {"date", bench::today_utc()},
        {"repeats", options.repeats},
        {"threads", options.threads},
        {"max_abs_diff_vs_nltk", worst_diff},
        {"nltk", python.at("nltk")},
        {"rows", record_rows},
        {"load_average", {{"start", load_start}, {"end", bench::load_average()}}},
        {"machine", {{"cpu", bench::cpu_name()}, {"threads", std::thread::hardware_concurrency()}}},
    };
    std::cerr << "recorded in " << bench::write_results("text_metrics", record) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"BLEU + chrF: reasonrec vs NLTK sentence_bleu"};
  Options options;
  app.add_option("--n", options.n, "Pairs scored by reasonrec")->capture_default_str();
  app.add_option("--nltk-n", options.nltk_n, "Pairs (the first ones) scored by NLTK")
      ->capture_default_str();
  app.add_option("--threads", options.threads, "Threads of the multi-threaded run (0: all)")
      ->capture_default_str();
  app.add_option("--repeats", options.repeats, "Timed runs of each side (median and spread)")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of the pair sampling")->capture_default_str();
  app.add_option("--shared", options.shared, "The shared folder (default ../shared)");
  app.add_option("--benchmarks-md", options.benchmarks_md, "BENCHMARKS.md to update")
      ->capture_default_str();
  bool no_write = false;
  app.add_flag("--no-write", no_write, "Print only; leave BENCHMARKS.md alone");
  CLI11_PARSE(app, argc, argv);
  options.write_md = !no_write;
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "bench_text_metrics: " << e.what() << "\n";
    return 1;
  }
}
