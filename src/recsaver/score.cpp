#include "recsaver/score.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

#include "data/sha256.hpp"
#include "eval/prediction.hpp"
#include "eval/stats_bootstrap.hpp"
#include "eval/text_metrics.hpp"
#include "eval/text_scoring.hpp"
#include "recsaver/references.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"
#include "util/random.hpp"

namespace reasonrec::recsaver {

namespace {

using nlohmann::ordered_json;

// Predictions listed by name in the summary's coverage, at most.
constexpr std::size_t kListed = 100;

const nlohmann::json& field(const nlohmann::json& obj, const std::string& path,
                            const std::string& file, std::size_t line) {
  const nlohmann::json* at = &obj;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string key = path.substr(start, dot == std::string::npos ? dot : dot - start);
    if (!at->is_object() || !at->contains(key)) {
      throw InputError(file, line, "field '" + path + "': missing");
    }
    at = &(*at)[key];
    if (dot == std::string::npos) return *at;
    start = dot + 1;
  }
}

std::string string_field(const nlohmann::json& obj, const std::string& path,
                         const std::string& file, std::size_t line) {
  const auto& v = field(obj, path, file, line);
  if (!v.is_string()) throw InputError(file, line, "field '" + path + "': expected a string");
  return v.get<std::string>();
}

struct Stat {
  std::size_t n = 0;
  double mean = 0;
  std::optional<eval::Interval> ci;
};

Stat mean_with_interval(const std::vector<double>& values, std::size_t resamples,
                        std::uint64_t seed) {
  Stat s;
  s.n = values.size();
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (resamples == 0) return s;
  Rng rng(seed);
  std::vector<std::uint32_t> counts;
  std::vector<double> means;
  means.reserve(resamples);
  for (std::size_t b = 0; b < resamples; ++b) {
    eval::draw_resample(rng, values.size(), counts);
    double total = 0;
    for (std::size_t i = 0; i < values.size(); ++i) total += counts[i] * values[i];
    means.push_back(total / static_cast<double>(values.size()));
  }
  const double alpha = (1.0 - 0.95) / 2.0;
  s.ci =
      eval::Interval{eval::quantile(means, alpha), eval::quantile(means, 1.0 - alpha), resamples};
  return s;
}

ordered_json stat_json(const Stat& s) {
  ordered_json j;
  j["n"] = s.n;
  j["mean"] = s.n ? ordered_json(s.mean) : ordered_json(nullptr);
  j["ci95"] = s.ci ? ordered_json::array({s.ci->low, s.ci->high}) : ordered_json(nullptr);
  return j;
}

}  // namespace

std::vector<ReferenceLine> read_references(const std::string& path) {
  std::vector<ReferenceLine> out;
  for_each_jsonl(path, [&](const nlohmann::json& j, std::size_t line) {
    if (!j.is_object()) throw InputError(path, line, "expected a JSON object");
    ReferenceLine r;
    r.line = line;
    r.example_id = string_field(j, "example_id", path, line);
    const auto& sample = field(j, "sample", path, line);
    if (!sample.is_number_integer()) {
      throw InputError(path, line, "field 'sample': expected an integer");
    }
    r.sample = sample.get<int>();
    r.status = string_field(j, "status", path, line);
    const auto& kept = field(j, "kept", path, line);
    if (!kept.is_boolean()) throw InputError(path, line, "field 'kept': expected true or false");
    r.kept = kept.get<bool>();
    r.text = string_field(j, "scrub.text", path, line);
    r.examples_sha256 = string_field(j, "provenance.examples_sha256", path, line);
    if (!out.empty() && r.examples_sha256 != out.front().examples_sha256) {
      throw InputError(
          path, line,
          fmt::format("field 'provenance.examples_sha256': {} differs from line {}'s "
                      "{} (references of two examples files mixed)",
                      r.examples_sha256, out.front().line, out.front().examples_sha256));
    }
    out.push_back(std::move(r));
  });
  if (out.empty()) throw InputError(path, 0, "no references (the file is empty)");
  return out;
}

ScoreResult run_score_job(const ScoreJob& job, eval::BertScoreColumns* bertscore) {
  // The metrics first: a typo fails before any file is read.
  std::vector<eval::LabeledMetric> metrics;
  std::vector<eval::MetricSpec> bertscores;
  for (eval::MetricSpec& spec : eval::parse_metric_specs(job.metrics)) {
    if (spec.name == "bertscore") {
      if (bertscore == nullptr) {
        throw UsageError("bertscore needs the torch engine, which this build leaves out");
      }
      if (job.bertscore.encoder.empty()) throw UsageError("bertscore needs --encoder DIR");
      bertscores.push_back(std::move(spec));
      continue;
    }
    metrics.push_back({spec.label, eval::make_text_metric(spec.name, spec.options)});
  }

  const std::string refs_file = job.references.string();
  const std::vector<ReferenceLine> refs = read_references(refs_file);
  if (!job.examples.empty()) {
    const std::string hash = data::sha256_file(job.examples);
    if (hash != refs.front().examples_sha256) {
      throw InputError(refs_file, 0,
                       fmt::format("made from an examples file with SHA-256 {}, but {} has {}: "
                                   "the references belong to another examples file",
                                   refs.front().examples_sha256, job.examples.string(), hash));
    }
  }
  std::unordered_map<std::string, std::vector<std::string>> by_example;
  for (const auto& r : refs) {
    auto& texts = by_example[r.example_id];
    if (r.text.empty()) continue;
    if (r.kept || (job.unverified && r.status != "empty_after_scrub")) texts.push_back(r.text);
  }

  struct Row {
    eval::Prediction p;
    std::size_t line = 0;
    std::string status;
    std::size_t references = 0;
    std::optional<std::size_t> pair;
  };
  std::vector<Row> rows;
  std::vector<eval::TextPair> pairs;
  const std::string pred_file = job.predictions.string();
  for_each_jsonl(pred_file, [&](const nlohmann::json& j, std::size_t line) {
    Row row;
    row.p = eval::prediction_from_json(j, pred_file, line);
    row.line = line;
    const auto it = by_example.find(row.p.example_id);
    if (it == by_example.end()) {
      if (!job.skip_unknown) {
        throw InputError(pred_file, line,
                         "example_id: '" + row.p.example_id + "' has no line in the references " +
                             refs_file +
                             " (references of another examples file or split? --skip-unknown "
                             "counts such predictions instead)");
      }
      row.status = "unknown_example";
    } else if (row.p.reasoning.find_first_not_of(" \t\r\n") == std::string::npos) {
      row.status = "empty_reasoning";
      row.references = it->second.size();
    } else if (it->second.empty()) {
      row.status = "no_reference";
    } else {
      row.status = "scored";
      row.references = it->second.size();
      row.pair = pairs.size();
      pairs.push_back(
          {row.p.example_id + "#" + std::to_string(row.p.sample), row.p.reasoning, it->second});
    }
    rows.push_back(std::move(row));
  });

  eval::TextScoringResult scoring;
  {
    Progress progress(ProgressOptions{"recsaver score", pairs.size(), "pairs", job.progress});
    scoring = eval::score_text_pairs(metrics, pairs, job.threads, &progress);
    progress.finish();
  }
  for (const eval::MetricSpec& spec : bertscores) {
    bertscore->append(spec, job.bertscore, pairs, scoring);
  }

  // Per prediction.
  std::string lines;
  for (const Row& row : rows) {
    ordered_json j;
    j["example_id"] = row.p.example_id;
    j["sample"] = row.p.sample;
    j["rating"] = row.p.rating ? ordered_json(*row.p.rating) : ordered_json(nullptr);
    j["true_rating"] = row.p.true_rating;
    j["correct"] =
        row.p.rating ? ordered_json(*row.p.rating == row.p.true_rating) : ordered_json(nullptr);
    j["status"] = row.status;
    j["references"] = row.references;
    ordered_json scores = nullptr;
    ordered_json errors = ordered_json::object();
    if (row.pair) {
      scores = ordered_json::object();
      for (std::size_t m = 0; m < scoring.metrics.size(); ++m) {
        const eval::PairScore& ps = scoring.pairs[*row.pair][m];
        const std::string& label = scoring.metrics[m].label;
        if (ps.score) {
          scores[label] = ps.score->score;
        } else {
          scores[label] = nullptr;
          errors[label] = ps.error;
        }
      }
    }
    j["scores"] = std::move(scores);
    if (!errors.empty()) j["errors"] = std::move(errors);
    lines += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  write_file_atomically(job.out, lines);

  // The summary.
  std::map<std::string, std::size_t> status_counts;
  std::map<std::string, ordered_json> listed;
  for (const char* s : {"scored", "no_reference", "empty_reasoning", "unknown_example"}) {
    status_counts[s] = 0;
    listed[s] = ordered_json::array();
  }
  for (const Row& row : rows) {
    ++status_counts[row.status];
    if (row.status != "scored" && listed[row.status].size() < kListed) {
      listed[row.status].push_back(row.p.example_id + "#" + std::to_string(row.p.sample));
    }
  }
  ordered_json summary;
  summary["predictions"] = rows.size();
  summary["references"] = job.unverified ? "unverified" : "verified";
  summary["examples_sha256"] = refs.front().examples_sha256;
  ordered_json coverage;
  coverage["scored"] = status_counts["scored"];
  coverage["rate"] = rows.empty() ? ordered_json(nullptr)
                                  : ordered_json(static_cast<double>(status_counts["scored"]) /
                                                 static_cast<double>(rows.size()));
  for (const char* s : {"no_reference", "empty_reasoning", "unknown_example"}) {
    coverage[s] = {{"count", status_counts[s]}, {"ids", listed[s]}};
  }
  double refs_total = 0;
  for (const auto& pair : pairs) refs_total += static_cast<double>(pair.references.size());
  coverage["references_per_scored_prediction"] =
      pairs.empty() ? 0.0 : refs_total / static_cast<double>(pairs.size());
  summary["coverage"] = std::move(coverage);
  ordered_json metric_json = ordered_json::object();
  for (std::size_t m = 0; m < scoring.metrics.size(); ++m) {
    const eval::MetricSummary& ms = scoring.metrics[m];
    std::vector<double> all, correct, incorrect, unparsed;
    for (const Row& row : rows) {
      if (!row.pair) continue;
      const eval::PairScore& ps = scoring.pairs[*row.pair][m];
      if (!ps.score) continue;
      const double v = ps.score->score;
      all.push_back(v);
      if (!row.p.rating) {
        unparsed.push_back(v);
      } else if (*row.p.rating == row.p.true_rating) {
        correct.push_back(v);
      } else {
        incorrect.push_back(v);
      }
    }
    ordered_json mj;
    mj["name"] = ms.name;
    mj["corpus"] = ms.corpus ? ordered_json(ms.corpus->score) : ordered_json(nullptr);
    if (!ms.corpus_error.empty()) mj["corpus_error"] = ms.corpus_error;
    mj["mean"] = stat_json(mean_with_interval(all, job.bootstrap, job.seed));
    mj["errors"] = ms.errors;
    mj["correct"] = stat_json(mean_with_interval(correct, job.bootstrap, job.seed + 1));
    mj["incorrect"] = stat_json(mean_with_interval(incorrect, job.bootstrap, job.seed + 2));
    mj["unparsed"] = stat_json(mean_with_interval(unparsed, job.bootstrap, job.seed + 3));
    mj["sentence_signature"] = ms.sentence_signature;
    mj["corpus_signature"] = ms.corpus_signature;
    metric_json[ms.label] = std::move(mj);
  }
  summary["metrics"] = std::move(metric_json);
  summary["bootstrap"] = {{"resamples", job.bootstrap}, {"seed", job.seed}, {"confidence", 0.95}};

  ScoreResult result;
  result.predictions = rows.size();
  result.scored = pairs.size();
  result.summary_path = job.summary.empty() ? summary_path_for(job.out) : job.summary;
  write_file_atomically(
      result.summary_path,
      summary.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  result.summary = std::move(summary);
  return result;
}

std::string format_score_summary(const nlohmann::ordered_json& s, int digits) {
  const auto& c = s.at("coverage");
  auto num = [&](const nlohmann::ordered_json& v) {
    return v.is_null() ? std::string("-") : fmt::format("{:.{}f}", v.get<double>(), digits);
  };
  auto stat = [&](const nlohmann::ordered_json& st) {
    std::string out = num(st.at("mean"));
    if (!st.at("ci95").is_null()) {
      out += fmt::format(" [{}, {}]", num(st.at("ci95")[0]), num(st.at("ci95")[1]));
    }
    return out + fmt::format(" (n={})", st.at("n").get<std::size_t>());
  };
  std::string out = fmt::format(
      "recsaver score: {} predictions, {} scored against {} references ({:.2f} per prediction); "
      "{} without a reference, {} with empty reasoning, {} of unknown examples\n",
      s.at("predictions").get<std::size_t>(), c.at("scored").get<std::size_t>(),
      s.at("references").get<std::string>(), c.at("references_per_scored_prediction").get<double>(),
      c.at("no_reference").at("count").get<std::size_t>(),
      c.at("empty_reasoning").at("count").get<std::size_t>(),
      c.at("unknown_example").at("count").get<std::size_t>());
  out += "| metric | corpus | mean [95% CI] | correct rating | incorrect rating |\n";
  out += "|---|---|---|---|---|\n";
  for (const auto& [label, m] : s.at("metrics").items()) {
    out += fmt::format("| {} | {} | {} | {} | {} |\n", label, num(m.at("corpus")),
                       stat(m.at("mean")), stat(m.at("correct")), stat(m.at("incorrect")));
  }
  return out;
}

}  // namespace reasonrec::recsaver
