// bench/rouge_meteor: ROUGE (rouge1/2/L/Lsum with Porter stemming) and METEOR (NLTK 3.8
// meteor_score with word_tokenize) over candidate/reference pairs built from the shared review
// texts, against NLTK's meteor_score on the same pairs in the same run
// (bench/rouge_meteor/nltk_meteor.py). Checks that the METEOR scores agree, prints the ratios
// with their spread and records them in BENCHMARKS.md (its own section, between markers) and
// bench/results/rouge_meteor.json.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include <time.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "benchmarks_md.hpp"
#include "eval/meteor.hpp"
#include "eval/rouge.hpp"
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
  std::string shared = "";
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
    pairs.push_back(
        {row.at("candidate").get<std::string>(), {row.at("reference").get<std::string>()}});
  }
  return pairs;
}

// Scores pairs [begin, end) with both metrics; returns the METEOR scores and, through `sink`,
// a checksum of the ROUGE values so that nothing is optimised away.
std::vector<double> score_range(const eval::RougeScorer& rouge, const eval::MeteorMetric& meteor,
                                const std::vector<Pair>& pairs, std::size_t begin, std::size_t end,
                                bool with_rouge, bool with_meteor, double& sink) {
  std::vector<double> out;
  for (std::size_t i = begin; i < end; ++i) {
    if (with_rouge) {
      for (const auto& t : rouge.score_multi(pairs[i].references, pairs[i].candidate)) {
        sink += t.fmeasure;
      }
    }
    if (with_meteor) out.push_back(meteor.sentence(pairs[i].candidate, pairs[i].references).score);
  }
  return out;
}

struct Timing {
  std::vector<double> wall;  // seconds, one per run
  std::vector<double> cpu;   // seconds of CPU summed over the workers, one per run
};

// `repeats` runs of `threads` workers splitting pairs [0, count): wall-clock time and
// the workers' CPU time (which a shared machine disturbs least). Each run builds its METEOR
// afresh, so its word memo starts cold as in a real first run.
Timing timed(const eval::RougeScorer& rouge, const std::shared_ptr<const eval::WordNet>& wordnet,
             const std::vector<Pair>& pairs, std::size_t count, std::size_t threads,
             std::size_t repeats, bool with_rouge, bool with_meteor) {
  Timing runs;
  for (std::size_t r = 0; r < repeats; ++r) {
    std::vector<double> sinks(threads, 0.0);
    std::vector<double> cpu(threads, 0.0);
    const auto start = Clock::now();
    const eval::MeteorMetric meteor(wordnet);
    std::vector<std::thread> workers;
    for (std::size_t t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const double cpu_start = bench::thread_cpu_seconds();
        const std::size_t begin = count * t / threads;
        const std::size_t end = count * (t + 1) / threads;
        score_range(rouge, meteor, pairs, begin, end, with_rouge, with_meteor, sinks[t]);
        cpu[t] = bench::thread_cpu_seconds() - cpu_start;
      });
    }
    for (auto& w : workers) w.join();
    runs.wall.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    double cpu_total = 0.0;
    for (const double c : cpu) cpu_total += c;
    runs.cpu.push_back(cpu_total);
  }
  return runs;
}

int run(Options options) {
  const double load_average_start = bench::load_average();
  options.shared = bench::shared_dir(options.shared);
  if (options.threads == 0) options.threads = std::max(1U, std::thread::hardware_concurrency());
  options.nltk_n = std::min(options.nltk_n, options.n);
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("reasonrec-bench-rouge-meteor-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const std::string nltk_data = (dir / "nltk_data").string();
  const std::string pairs_path = (dir / "pairs.jsonl").string();
  bench::run_capture(
      fmt::format("/usr/bin/python3 '{}/metrics/nltk_reference.py' setup-wordnet '{}'",
                  options.shared, nltk_data));
  std::cerr << fmt::format("running NLTK meteor_score on {} pairs...\n", options.nltk_n);
  const auto python = nlohmann::json::parse(bench::run_capture(fmt::format(
      "/usr/bin/python3 '{}/bench/rouge_meteor/nltk_meteor.py' '{}/data' '{}' '{}' {} {} {} {}",
      REASONREC_SOURCE_DIR, options.shared, nltk_data, pairs_path, options.n, options.nltk_n,
      options.seed, options.repeats)));
  const std::vector<Pair> pairs = read_pairs(pairs_path);
  std::filesystem::remove_all(dir);

  const auto load_start = Clock::now();
  const auto wordnet = eval::WordNet::load();
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
  const eval::MeteorMetric meteor(wordnet);
  const eval::RougeScorer rouge(
      {eval::RougeType::parse("rouge1"), eval::RougeType::parse("rouge2"),
       eval::RougeType::parse("rougeL"), eval::RougeType::parse("rougeLsum")},
      true);

  // Same scores as NLTK on the baseline's pairs.
  double sink = 0.0;
  const auto ours_scores = score_range(rouge, meteor, pairs, 0, options.nltk_n, false, true, sink);
  double max_diff = 0.0;
  for (std::size_t i = 0; i < options.nltk_n; ++i) {
    max_diff = std::max(max_diff, std::fabs(ours_scores[i] - python["scores"][i].get<double>()));
  }
  if (max_diff > 1e-9) {
    std::cerr << fmt::format("METEOR disagrees with NLTK by {:.3g}\n", max_diff);
    return 1;
  }

  const std::size_t R = options.repeats;
  const std::size_t T = options.threads;
  const std::size_t n = options.n;
  struct Row {
    std::string what;
    Timing one;
    Timing many;
    bool meteor;
  };
  std::vector<Row> rows;
  rows.push_back({"METEOR", timed(rouge, wordnet, pairs, n, 1, R, false, true),
                  timed(rouge, wordnet, pairs, n, T, R, false, true), true});
  rows.push_back({"ROUGE (rouge1/2/L/Lsum, stemmed)",
                  timed(rouge, wordnet, pairs, n, 1, R, true, false),
                  timed(rouge, wordnet, pairs, n, T, R, true, false), false});
  rows.push_back({"ROUGE + METEOR", timed(rouge, wordnet, pairs, n, 1, R, true, true),
                  timed(rouge, wordnet, pairs, n, T, R, true, true), false});

  // NLTK's rate on its pairs (the first nltk_n); ours over all n pairs.
  const auto rates = [](std::size_t count, const std::vector<double>& seconds) {
    return bench::rates_of(bench::spread_of(seconds), static_cast<double>(count));
  };
  const bench::Spread nltk_cpu =
      rates(options.nltk_n, python.at("cpu_seconds").get<std::vector<double>>());
  const bench::Spread nltk_wall =
      rates(options.nltk_n, python.at("seconds").get<std::vector<double>>());
  std::string rouge_baseline = "rouge-score is not installed here (Debian does not package it)";
  nlohmann::json rouge_score_record;
  if (!python.at("rouge_score_cpu_seconds").is_null()) {
    const bench::Spread rs =
        rates(options.nltk_n, python.at("rouge_score_cpu_seconds").get<std::vector<double>>());
    const bench::Ratio r = bench::ratio_of(rates(n, rows[1].one.cpu), rs);
    rouge_baseline = fmt::format("rouge-score: {} pairs/s CPU time, ours {}", bench::show(rs, 0),
                                 bench::show(r, 0));
    rouge_score_record = {{"pairs_per_s_cpu", bench::to_json(rs)}, {"ratio", bench::to_json(r)}};
  }
  std::string table = fmt::format(
      "| metric | pairs | reasonrec, 1 thread (CPU time) | reasonrec, 1 thread (wall) "
      "| reasonrec, {} threads (wall) | NLTK, 1 thread (CPU time) | ratio, 1 thread (CPU) | "
      "ratio, {} threads (wall vs NLTK wall) |\n|---|---|---|---|---|---|---|---|\n",
      T, T);
  nlohmann::json record_rows = nlohmann::json::array();
  for (const Row& row : rows) {
    const bench::Spread one = rates(n, row.one.cpu), one_wall = rates(n, row.one.wall),
                        many = rates(n, row.many.wall);
    nlohmann::json record = {{"metric", row.what},
                             {"pairs", n},
                             {"reasonrec_pairs_per_s",
                              {{"one_thread_cpu", bench::to_json(one)},
                               {"one_thread_wall", bench::to_json(one_wall)},
                               {"threads_wall", bench::to_json(many)}}}};
    table += fmt::format("| {} | {} | {} pairs/s | {} pairs/s | {} pairs/s | ", row.what, n,
                         bench::show(one, 0), bench::show(one_wall, 0), bench::show(many, 0));
    if (row.meteor) {
      const bench::Ratio r_one = bench::ratio_of(one, nltk_cpu);
      const bench::Ratio r_many = bench::ratio_of(many, nltk_wall);
      table += fmt::format("{} pairs/s | {} | {} |\n", bench::show(nltk_cpu, 0),
                           bench::show(r_one, 0), bench::show(r_many, 0));
      record["nltk_pairs"] = options.nltk_n;
      record["nltk_pairs_per_s"] = {{"one_thread_cpu", bench::to_json(nltk_cpu)},
                                    {"one_thread_wall", bench::to_json(nltk_wall)}};
      record["ratio"] = {{"one_thread_cpu", bench::to_json(r_one)},
                         {"threads_wall_vs_nltk_wall", bench::to_json(r_many)}};
    } else {
      table += "- | - | - |\n";
    }
    record_rows.push_back(record);
  }
  const std::string section = fmt::format(
      "## bench/rouge_meteor: ROUGE and METEOR vs NLTK meteor_score\n\n"
      "{} candidate/reference pairs built from the shared Amazon review texts (a review against "
      "another review of the same item, 5-150 words). METEOR is NLTK {}'s `meteor_score` with "
      "`word_tokenize(preserve_line=True)` tokens (our `meteor` default); ROUGE is rouge-score "
      "0.1.2's rouge1 + rouge2 + rougeL + rougeLsum with Porter stemming, all four from one "
      "tokenization. Baseline: NLTK timed in the same run on the first {} pairs, tokenization "
      "included, WordNet already loaded; our METEOR scores on those pairs equal NLTK's (max |diff| "
      "{:.1e}). Each side ran {} times (NLTK first, then reasonrec), tokenization included; each "
      "of our runs starts with a fresh METEOR (cold word memo). Rates are median (min–max) over "
      "the runs, ratios median over median with the range the runs allow (slowest over fastest "
      "either way). The single-thread ratio compares CPU time (process time for NLTK, thread "
      "time for us), which a shared machine disturbs least; the multi-thread column is "
      "wall-clock throughput against NLTK's single-thread wall-clock rate ({} pairs/s).\n\n{}\n"
      "Loading WordNet 3.0 from /usr/share/wordnet takes {:.2f} s (once per process). {}. Target: "
      "at least 50x NLTK single-threaded. Machine: {}, {} hardware threads (shared; 1-minute load "
      "average {:.2f} at the start of the run, {:.2f} at the end). {}. Command: "
      "`build/bench/rouge_meteor/bench_rouge_meteor`.\n",
      n, python.at("nltk").get<std::string>(), options.nltk_n, max_diff, R,
      bench::show(nltk_wall, 0), table, load_seconds, rouge_baseline, bench::cpu_name(),
      std::thread::hardware_concurrency(), load_average_start, bench::load_average(),
      reasonrec::bench::today_utc());
  std::cout << section;
  if (options.write_md) {
    reasonrec::bench::record_section(options.benchmarks_md, "rouge_meteor", section);
    const nlohmann::json record = {
        {"bench", "rouge_meteor"},
        {"date", bench::today_utc()},
        {"repeats", R},
        {"threads", T},
        {"max_abs_diff_vs_nltk", max_diff},
        {"nltk", python.at("nltk")},
        {"rows", record_rows},
        {"rouge_score", rouge_score_record},
        {"wordnet_load_seconds", load_seconds},
        {"load_average", {{"start", load_average_start}, {"end", bench::load_average()}}},
        {"machine", {{"cpu", bench::cpu_name()}, {"threads", std::thread::hardware_concurrency()}}},
    };
    std::cerr << "recorded in " << bench::write_results("rouge_meteor", record) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ROUGE + METEOR: reasonrec vs NLTK meteor_score"};
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
    std::cerr << "bench_rouge_meteor: " << e.what() << "\n";
    return 1;
  }
}
