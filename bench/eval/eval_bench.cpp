// bench/eval: every rating metric of 100,000 predictions with a 1,000-resample bootstrap, against
// the same computation with scikit-learn + numpy (bench/eval/sklearn_bootstrap.py) in the same
// run. Checks that both give the same point estimates, prints the ratio and records it in
// BENCHMARKS.md (its own section, between markers).
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

int run(const Options& options) {
  const auto dir =
      std::filesystem::temp_directory_path() / fmt::format("reasonrec-bench-eval-{}", ::getpid());
  std::filesystem::create_directories(dir);
  const std::string load = fmt::format("{:.2f}", bench::load_average());
  const auto rows = make_rows(options.n, options.seed);
  const std::string csv = (dir / "predictions.csv").string();
  const std::string jsonl = (dir / "predictions.jsonl").string();
  write_csv(rows, csv);
  write_jsonl(rows, jsonl);

  // reasonrec: build the table (sorts the AUC orderings), point metrics, bootstrap. Best of
  // `repeats`, as the machine is shared.
  double ours = 1e300;
  eval::RatingMetrics point;
  std::map<std::string, eval::Interval> intervals;
  for (std::size_t r = 0; r < options.repeats; ++r) {
    const auto start = Clock::now();
    const eval::RatingTable table(rows);
    point = table.evaluate();
    intervals = eval::bootstrap_intervals(table, {options.resamples, options.seed, 0.95});
    ours = std::min(ours, std::chrono::duration<double>(Clock::now() - start).count());
  }
  const auto read_start = Clock::now();
  const auto predictions = eval::read_predictions(jsonl);
  const auto scored = eval::score_predictions(predictions, eval::UnparsedPolicy::exclude(),
                                              eval::PointSource::Rating);
  const double read_seconds = std::chrono::duration<double>(Clock::now() - read_start).count();

  std::cerr << fmt::format("reasonrec: {:.3f} s; running scikit-learn ({} resamples)...\n", ours,
                           options.resamples);
  const std::string script = std::string(REASONREC_SOURCE_DIR) + "/bench/eval/sklearn_bootstrap.py";
  const auto python = nlohmann::json::parse(bench::run_capture(fmt::format(
      "/usr/bin/python3 '{}' '{}' {} {}", script, csv, options.resamples, options.seed)));
  const double theirs = python["seconds"];

  double max_point_diff = 0.0, max_interval_diff = 0.0;
  for (const auto& [name, value] : eval::named_values(point)) {
    if (!value || !python["point"].contains(name)) {
      std::cerr << "metric " << name << " missing on one side\n";
      return 1;
    }
    max_point_diff =
        std::max(max_point_diff, std::abs(*value - python["point"][name].get<double>()));
    const auto& theirs_ci = python["intervals"][name];
    max_interval_diff =
        std::max({max_interval_diff, std::abs(intervals.at(name).low - theirs_ci[0].get<double>()),
                  std::abs(intervals.at(name).high - theirs_ci[1].get<double>())});
  }
  if (max_point_diff > 1e-9) {
    std::cerr << fmt::format("point estimates disagree with scikit-learn by {:.3g}\n",
                             max_point_diff);
    return 1;
  }
  const double ratio = theirs / ours;
  const std::string section = fmt::format(
      "## bench/eval: rating metrics with bootstrap\n\n"
      "Every rating metric (binary and 5-class accuracy, binary F1, macro-F1, MAE, RMSE, binary "
      "AUC, macro one-vs-rest AUC) of {} predictions, plus a {}-resample 95% percentile bootstrap "
      "of all of them. Baseline: the same with scikit-learn {} + numpy {} (one scikit-learn call "
      "per "
      "metric per resample, `bench/eval/sklearn_bootstrap.py`), timed in the same run, computation "
      "only (no imports, no file reading). reasonrec: best of {} runs, single thread.\n\n"
      "| what | reasonrec | scikit-learn + numpy | ratio |\n|---|---|---|---|\n"
      "| point metrics + {} bootstrap resamples, {} predictions | {:.2f} s | {:.1f} s | "
      "**{:.0f}x** "
      "|\n\n"
      "Target: at least 20x. Point estimates agree to {:.1e}; interval endpoints differ by at most "
      "{:.4f} (independent resampling streams). Reading and scoring the same predictions as "
      "predictions.jsonl ({}) takes another {:.2f} s in reasonrec. Machine: {}, {} hardware "
      "threads (shared; 1-minute load average {} at the start of the run). {}. Command: "
      "`build/bench/eval/bench_eval`.\n",
      with_commas(options.n), with_commas(options.resamples), python["sklearn"].get<std::string>(),
      python["numpy"].get<std::string>(), options.repeats, with_commas(options.resamples),
      with_commas(options.n), ours, theirs, ratio, max_point_diff, max_interval_diff,
      with_commas(scored.rows.size()), read_seconds, bench::cpu_name(),
      std::thread::hardware_concurrency(), load, reasonrec::bench::today_utc());
  std::cout << section;
  if (options.write_md) reasonrec::bench::record_section(options.benchmarks_md, "eval", section);
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Rating metrics + bootstrap: reasonrec vs scikit-learn + numpy"};
  Options options;
  app.add_option("--n", options.n, "Predictions")->capture_default_str();
  app.add_option("--resamples", options.resamples, "Bootstrap resamples")->capture_default_str();
  app.add_option("--repeats", options.repeats, "Timed runs of reasonrec (best is kept)")
      ->capture_default_str();
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
