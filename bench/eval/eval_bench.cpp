// bench/eval: every rating metric of 100,000 predictions with a 1,000-resample bootstrap, against
// the same computation with scikit-learn + numpy (bench/eval/sklearn_bootstrap.py) in the same
// run, and against a vectorised numpy bootstrap (bench/eval/numpy_bootstrap.py). Checks that all
// give the same point estimates, prints the ratios with their spread and records them in
// BENCHMARKS.md (its own section, between markers) and bench/results/eval.json.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "benchmarks_md.hpp"
#include "eval/prediction.hpp"
#include "eval/rating_metrics.hpp"
#include "eval/rating_policy.hpp"
#include "eval/stats_bootstrap.hpp"
#include "machine.hpp"
#include "spread.hpp"
#include "util/format.hpp"
#include "util/random.hpp"

namespace {

using namespace reasonrec;
using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t n = 100000;
  std::size_t resamples = 1000;
  std::size_t repeats = 3;
  std::uint64_t seed = 1;
  std::string benchmarks_md = std::string(REASONREC_SOURCE_DIR) + "/BENCHMARKS.md";
  bool write_md = true;
  bool skip_sklearn = false;
};

// Predictions shaped like a model's: the truth uniform over 1..5, the predicted class right 40%
// of the time, probabilities peaked on the predicted class, on a grid so that ties occur.
std::vector<eval::ScoredRow> make_rows(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  std::vector<eval::ScoredRow> rows(n);
  for (auto& row : rows) {
    row.truth = static_cast<int>(rng.below(5)) + 1;
    row.predicted = rng.below(5) < 2 ? row.truth : static_cast<int>(rng.below(5)) + 1;
    row.point = row.predicted;
    std::uint64_t k[5], sum = 0;
    for (int c = 0; c < 5; ++c)
      sum += (k[c] = 1 + rng.below(20) + (c + 1 == row.predicted ? 20 : 0));
    eval::ClassProbabilities p{};
    for (std::size_t c = 0; c < 5; ++c) p[c] = static_cast<double>(k[c]) / static_cast<double>(sum);
    row.probabilities = p;
  }
  return rows;
}

void write_csv(const std::vector<eval::ScoredRow>& rows, const std::string& path) {
  std::ofstream out(path);
  for (const auto& r : rows) {
    out << r.truth << ',' << r.predicted;
    for (double p : *r.probabilities) out << fmt::format(",{:.17g}", p);
    out << '\n';
  }
}

void write_jsonl(const std::vector<eval::ScoredRow>& rows, const std::string& path) {
  std::vector<eval::Prediction> predictions;
  predictions.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    eval::Prediction p;
    p.example_id = "ex-" + std::to_string(i);
    p.split = "test";
    p.mode = "cot";
    p.model = "bench";
    p.backend = "bench";
    p.true_rating = rows[i].truth;
    p.rating = rows[i].predicted;
    p.parse_status = "strict";
    p.raw =
        "### Reason ###\nThe user likes it.\n### Rating ###\n" + std::to_string(rows[i].predicted);
    p.reasoning = "The user likes it.";
    p.probabilities = rows[i].probabilities;
    predictions.push_back(std::move(p));
  }
  eval::write_predictions(path, predictions);
}

// One run of a Python baseline script: its JSON (seconds, point, intervals, versions).
nlohmann::json run_baseline(const std::string& script, const std::string& csv,
                            const Options& options) {
  return nlohmann::json::parse(bench::run_capture(
      fmt::format("/usr/bin/python3 '{}/bench/eval/{}' '{}' {} {}", REASONREC_SOURCE_DIR, script,
                  csv, options.resamples, options.seed)));
}

struct Agreement {
  double point = 0.0;     // largest |difference| of a point estimate
  double interval = 0.0;  // largest |difference| of an interval endpoint
};

// How far a baseline's numbers are from ours; throws if a metric is missing on one side.
Agreement compare(const eval::RatingMetrics& point,
                  const std::map<std::string, eval::Interval>& intervals,
                  const nlohmann::json& theirs) {
  Agreement a;
  for (const auto& [name, value] : eval::named_values(point)) {
    if (!value || !theirs["point"].contains(name) || !theirs["intervals"].contains(name))
      throw std::runtime_error("metric " + name + " missing on one side");
    a.point = std::max(a.point, std::abs(*value - theirs["point"][name].get<double>()));
    const auto& ci = theirs["intervals"][name];
    a.interval = std::max({a.interval, std::abs(intervals.at(name).low - ci[0].get<double>()),
                           std::abs(intervals.at(name).high - ci[1].get<double>())});
  }
  return a;
}

int run(const Options& options) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("reasonrec-bench-eval-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const double load_start = bench::load_average();
  const auto rows = make_rows(options.n, options.seed);
  const std::string csv = (dir / "predictions.csv").string();
  const std::string jsonl = (dir / "predictions.jsonl").string();
  write_csv(rows, csv);
  write_jsonl(rows, jsonl);

  // The three sides take turns, `repeats` runs each, so that a shared machine's drift falls on
  // all of them alike. reasonrec: build the table (sorts the AUC orderings), point metrics,
  // bootstrap, single thread. Baselines: computation only (their scripts time it, after the
  // imports and the file reading).
  std::vector<double> ours_s, numpy_s, sklearn_s;
  std::vector<double> ours_cpu, numpy_cpu, sklearn_cpu;  // CPU seconds (process time for Python)
  eval::RatingMetrics point;
  std::map<std::string, eval::Interval> intervals;
  Agreement numpy_agree, sklearn_agree;
  nlohmann::json numpy_last, sklearn_last;
  for (std::size_t r = 0; r < options.repeats; ++r) {
    const auto start = Clock::now();
    const double cpu_start = bench::thread_cpu_seconds();
    const eval::RatingTable table(rows);
    point = table.evaluate();
    intervals = eval::bootstrap_intervals(table, {options.resamples, options.seed, 0.95});
    ours_s.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    ours_cpu.push_back(bench::thread_cpu_seconds() - cpu_start);
    std::cerr << fmt::format("run {}: reasonrec {:.3f} s; numpy...", r + 1, ours_s.back());
    numpy_last = run_baseline("numpy_bootstrap.py", csv, options);
    numpy_s.push_back(numpy_last["seconds"].get<double>());
    numpy_cpu.push_back(numpy_last["cpu_seconds"].get<double>());
    std::cerr << fmt::format(" {:.3f} s; scikit-learn...", numpy_s.back());
    if (!options.skip_sklearn) {
      sklearn_last = run_baseline("sklearn_bootstrap.py", csv, options);
      sklearn_s.push_back(sklearn_last["seconds"].get<double>());
      sklearn_cpu.push_back(sklearn_last["cpu_seconds"].get<double>());
      std::cerr << fmt::format(" {:.1f} s", sklearn_s.back());
    }
    std::cerr << "\n";
    const Agreement a = compare(point, intervals, numpy_last);
    numpy_agree = {std::max(numpy_agree.point, a.point),
                   std::max(numpy_agree.interval, a.interval)};
    if (!options.skip_sklearn) {
      const Agreement b = compare(point, intervals, sklearn_last);
      sklearn_agree = {std::max(sklearn_agree.point, b.point),
                       std::max(sklearn_agree.interval, b.interval)};
    }
  }
  for (const auto& [who, agree] :
       {std::pair{"numpy", numpy_agree}, {"scikit-learn", sklearn_agree}}) {
    if (agree.point > 1e-9) {
      std::cerr << fmt::format("point estimates disagree with {} by {:.3g}\n", who, agree.point);
      return 1;
    }
  }
  const auto read_start = Clock::now();
  const auto predictions = eval::read_predictions(jsonl);
  const auto scored = eval::score_predictions(predictions, eval::UnparsedPolicy::exclude(),
                                              eval::PointSource::Rating);
  const double read_seconds = std::chrono::duration<double>(Clock::now() - read_start).count();
  std::filesystem::remove_all(dir);
  const double load_end = bench::load_average();

  const bench::Spread ours = bench::spread_of(ours_s);
  const bench::Spread numpy = bench::spread_of(numpy_s);
  const bench::Spread sklearn = bench::spread_of(sklearn_s);
  const bench::Ratio vs_numpy = bench::ratio_of(numpy, ours);
  const bench::Spread ours_c = bench::spread_of(ours_cpu);
  const bench::Spread numpy_c = bench::spread_of(numpy_cpu);
  const bench::Spread sklearn_c = bench::spread_of(sklearn_cpu);
  const bench::Ratio vs_numpy_c = bench::ratio_of(numpy_c, ours_c);
  const std::string what = fmt::format("point metrics + {} bootstrap resamples, {} predictions",
                                       with_commas(options.resamples), with_commas(options.n));
  std::string table =
      "| what | reasonrec | numpy, vectorised | scikit-learn per call | reasonrec vs numpy | "
      "reasonrec vs scikit-learn |\n|---|---|---|---|---|---|\n";
  std::string sklearn_cell = "not run", sklearn_ratio = "-", sklearn_version = "?";
  std::string sklearn_cpu_cell = "not run", sklearn_cpu_ratio = "-";
  bench::Ratio vs_sklearn, vs_sklearn_c;
  if (!options.skip_sklearn) {
    vs_sklearn = bench::ratio_of(sklearn, ours);
    vs_sklearn_c = bench::ratio_of(sklearn_c, ours_c);
    sklearn_cell = bench::show(sklearn, 1) + " s";
    sklearn_ratio = bench::show(vs_sklearn, 0);
    sklearn_cpu_cell = bench::show(sklearn_c, 1) + " s";
    sklearn_cpu_ratio = bench::show(vs_sklearn_c, 0);
    sklearn_version = sklearn_last["sklearn"].get<std::string>();
  }
  table +=
      fmt::format("| {}, wall-clock | {} s | {} s | {} | {} | {} |\n", what, bench::show(ours, 2),
                  bench::show(numpy, 2), sklearn_cell, bench::show(vs_numpy, 2), sklearn_ratio);
  table += fmt::format("| the same, CPU time | {} s | {} s | {} | {} | {} |\n",
                       bench::show(ours_c, 2), bench::show(numpy_c, 2), sklearn_cpu_cell,
                       bench::show(vs_numpy_c, 2), sklearn_cpu_ratio);
  const std::string section = fmt::format(
      "## bench/eval: rating metrics with bootstrap\n\n"
      "Every rating metric (binary and 5-class accuracy, binary F1, macro-F1, MAE, RMSE, binary "
      "AUC, macro one-vs-rest AUC) of {} predictions, plus a {}-resample 95% percentile bootstrap "
      "of all of them, on the same predictions (written once as CSV for the baselines). Two "
      "Python baselines, both run with /usr/bin/python3 and timed on computation only (no "
      "imports, no file reading): the fastest reasonable numpy (numpy {} + scipy {}: every "
      "resample drawn at once as one index matrix, turned block by block into a count matrix "
      "and multiplied by one sparse indicator matrix, all metrics from the products with array "
      "ops; `bench/eval/numpy_bootstrap.py`), and the usual scikit-learn {} code (one "
      "scikit-learn call per metric per resample, `bench/eval/sklearn_bootstrap.py`). "
      "reasonrec: single thread. Each side ran {} times, taking turns (reasonrec, numpy, "
      "scikit-learn, then again); times are median (min–max), ratios are median over median "
      "(in brackets the range the runs allow: slowest over fastest either way). CPU time is the "
      "thread's for reasonrec and the process's for Python; a shared machine disturbs it "
      "least.\n\n{}\n"
      "Target: at least 20x scikit-learn. Point estimates agree to {:.1e} with numpy and {:.1e} "
      "with scikit-learn; interval endpoints differ by at most {:.4f} and {:.4f} (independent "
      "resampling streams). Reading and scoring the same predictions as predictions.jsonl ({}) "
      "takes another {:.2f} s in reasonrec. Machine: {}, {} hardware threads (shared; 1-minute "
      "load average {:.2f} at the start, {:.2f} at the end). {}. Command: "
      "`build/bench/eval/bench_eval`.\n",
      with_commas(options.n), with_commas(options.resamples),
      numpy_last["numpy"].get<std::string>(), numpy_last["scipy"].get<std::string>(),
      sklearn_version, options.repeats, table, numpy_agree.point, sklearn_agree.point,
      numpy_agree.interval, sklearn_agree.interval, with_commas(scored.rows.size()), read_seconds,
      bench::cpu_name(), std::thread::hardware_concurrency(), load_start, load_end,
      reasonrec::bench::today_utc());
  std::cout << section;
  if (options.write_md) {
    reasonrec::bench::record_section(options.benchmarks_md, "eval", section);
    nlohmann::json record = {
        {"bench", "eval"},
        {"date", bench::today_utc()},
        {"predictions", options.n},
        {"resamples", options.resamples},
        {"repeats", options.repeats},
        {"seconds",
         {{"reasonrec", bench::to_json(ours)},
          {"numpy", bench::to_json(numpy)},
          {"sklearn", options.skip_sklearn ? nlohmann::json() : bench::to_json(sklearn)}}},
        {"cpu_seconds",
         {{"reasonrec", bench::to_json(ours_c)},
          {"numpy", bench::to_json(numpy_c)},
          {"sklearn", options.skip_sklearn ? nlohmann::json() : bench::to_json(sklearn_c)}}},
        {"ratio",
         {{"numpy_over_reasonrec", bench::to_json(vs_numpy)},
          {"sklearn_over_reasonrec",
           options.skip_sklearn ? nlohmann::json() : bench::to_json(vs_sklearn)},
          {"numpy_over_reasonrec_cpu", bench::to_json(vs_numpy_c)},
          {"sklearn_over_reasonrec_cpu",
           options.skip_sklearn ? nlohmann::json() : bench::to_json(vs_sklearn_c)}}},
        {"max_point_diff", {{"numpy", numpy_agree.point}, {"sklearn", sklearn_agree.point}}},
        {"max_interval_diff",
         {{"numpy", numpy_agree.interval}, {"sklearn", sklearn_agree.interval}}},
        {"read_and_score_jsonl_seconds", read_seconds},
        {"load_average", {{"start", load_start}, {"end", load_end}}},
        {"machine", {{"cpu", bench::cpu_name()}, {"threads", std::thread::hardware_concurrency()}}},
    };
    std::cerr << "recorded in " << bench::write_results("eval", record) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Rating metrics + bootstrap: reasonrec vs scikit-learn + numpy"};
  Options options;
  app.add_option("--n", options.n, "Predictions")->capture_default_str();
  app.add_option("--resamples", options.resamples, "Bootstrap resamples")->capture_default_str();
  app.add_option("--repeats", options.repeats, "Timed runs of each side (median and spread)")
      ->capture_default_str();
  app.add_flag("--skip-sklearn", options.skip_sklearn,
               "Leave out the scikit-learn baseline (minutes per run)");
  app.add_option("--seed", options.seed, "Seed of the data and the resampling")
      ->capture_default_str();
  app.add_option("--benchmarks-md", options.benchmarks_md, "BENCHMARKS.md to update")
      ->capture_default_str();
  bool no_write = false;
  app.add_flag("--no-write", no_write, "Print only; leave BENCHMARKS.md alone");
  CLI11_PARSE(app, argc, argv);
  options.write_md = !no_write;
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << "bench_eval: " << e.what() << "\n";
    return 1;
  }
}
