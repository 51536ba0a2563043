#include "eval/text_scoring.hpp"

#include <algorithm>
#include <exception>
#include <ostream>
#include <thread>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/progress.hpp"

namespace reasonrec::eval {

namespace {

using nlohmann::json;

json score_to_json(const TextScore& s) {
  json j = json::object();
  j["score"] = s.score;
  for (const auto& [key, value] : s.parts) j[key] = value;
  return j;
}

void score_range(const std::vector<LabeledMetric>& metrics, const std::vector<TextPair>& pairs,
                 std::size_t begin, std::size_t end, TextScoringResult& result,
                 Progress* progress) {
  for (std::size_t i = begin; i < end; ++i) {
    auto& row = result.pairs[i];
    row.resize(metrics.size());
    for (std::size_t m = 0; m < metrics.size(); ++m) {
      try {
        row[m].score = metrics[m].metric->sentence(pairs[i].candidate, pairs[i].references);
      } catch (const Error& e) {
        row[m].error = e.what();
      }
    }
    if (progress) progress->add();
  }
}

}  // namespace

TextScoringResult score_text_pairs(const std::vector<LabeledMetric>& metrics,
                                   const std::vector<TextPair>& pairs, unsigned threads,
                                   Progress* progress) {
  TextScoringResult result;
  result.pairs.resize(pairs.size());
  const std::size_t workers =
      std::max<std::size_t>(1, std::min<std::size_t>(threads, pairs.size() / 64 + 1));
  if (workers == 1) {
    score_range(metrics, pairs, 0, pairs.size(), result, progress);
  } else {
    std::vector<std::thread> pool;
    std::vector<std::exception_ptr> failures(workers);
    const std::size_t chunk = (pairs.size() + workers - 1) / workers;
    for (std::size_t w = 0; w < workers; ++w) {
      const std::size_t begin = std::min(pairs.size(), w * chunk);
      const std::size_t end = std::min(pairs.size(), begin + chunk);
      pool.emplace_back([&, w, begin, end] {
        try {
          score_range(metrics, pairs, begin, end, result, progress);
        } catch (...) {
          failures[w] = std::current_exception();
        }
      });
    }
    for (auto& t : pool) t.join();
    for (const auto& f : failures) {
      if (f) std::rethrow_exception(f);
    }
  }

  std::vector<std::string> candidates;
  std::vector<std::vector<std::string>> references;
  candidates.reserve(pairs.size());
  references.reserve(pairs.size());
  for (const TextPair& p : pairs) {
    candidates.push_back(p.candidate);
    references.push_back(p.references);
  }
  for (std::size_t m = 0; m < metrics.size(); ++m) {
    const TextMetric& metric = *metrics[m].metric;
    MetricSummary s;
    s.label = metrics[m].label;
    s.name = metric.name();
    s.sentence_signature = metric.signature_for(ScoreLevel::sentence, references);
    s.corpus_signature = metric.signature_for(ScoreLevel::corpus, references);
    double sum = 0.0;
    for (const auto& row : result.pairs) {
      if (row[m].score) {
        sum += row[m].score->score;
        ++s.scored;
      } else {
        ++s.errors;
      }
    }
    s.sentence_mean = s.scored ? sum / static_cast<double>(s.scored) : 0.0;
    try {
      s.corpus = metric.corpus(candidates, references);
    } catch (const Error& e) {
      s.corpus_error = e.what();
    }
    result.metrics.push_back(std::move(s));
  }
  return result;
}

void write_pair_scores_jsonl(std::ostream& out, const std::vector<TextPair>& pairs,
                             const TextScoringResult& result) {
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    json line = json::object();
    line["id"] = pairs[i].id;
    json scores = json::object();
    json errors = json::object();
    for (std::size_t m = 0; m < result.metrics.size(); ++m) {
      const PairScore& ps = result.pairs[i][m];
      const std::string& label = result.metrics[m].label;
      scores[label] = ps.score ? score_to_json(*ps.score) : json(nullptr);
      if (!ps.score) errors[label] = ps.error;
    }
    line["scores"] = std::move(scores);
    if (!errors.empty()) line["errors"] = std::move(errors);
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
  }
}

std::string summary_markdown(const TextScoringResult& result, std::size_t pairs, int digits) {
  std::string out = fmt::format("{} pairs\n\n", pairs);
  out += "| metric | corpus | mean of sentences | scored | errors |\n";
  out += "|---|---:|---:|---:|---:|\n";
  for (const MetricSummary& s : result.metrics) {
    const std::string corpus =
        s.corpus ? fmt::format("{:.{}f}", s.corpus->score, digits) : std::string("error");
    const std::string mean =
        s.scored ? fmt::format("{:.{}f}", s.sentence_mean, digits) : std::string("-");
    out += fmt::format("| {} | {} | {} | {} | {} |\n", s.label, corpus, mean, s.scored, s.errors);
  }
  out += "\nSignatures:\n";
  for (const MetricSummary& s : result.metrics) {
    out += fmt::format("- {}: sentence `{}`", s.label, s.sentence_signature);
    if (s.corpus_signature != s.sentence_signature) {
      out += fmt::format(", corpus `{}`", s.corpus_signature);
    }
    out += "\n";
  }
  bool any_error = false;
  for (const MetricSummary& s : result.metrics) any_error = any_error || !s.corpus_error.empty();
  if (any_error) {
    out += "\nCorpus errors:\n";
    for (const MetricSummary& s : result.metrics) {
      if (!s.corpus_error.empty()) out += fmt::format("- {}: {}\n", s.label, s.corpus_error);
    }
  }
  return out;
}

json summary_json(const TextScoringResult& result, std::size_t pairs) {
  json metrics = json::array();
  for (const MetricSummary& s : result.metrics) {
    json m = json::object();
    m["label"] = s.label;
    m["metric"] = s.name;
    m["corpus"] = s.corpus ? score_to_json(*s.corpus) : json(nullptr);
    if (!s.corpus_error.empty()) m["corpus_error"] = s.corpus_error;
    m["sentence_mean"] = s.scored ? json(s.sentence_mean) : json(nullptr);
    m["scored"] = s.scored;
    m["errors"] = s.errors;
    m["signature"] = {{"sentence", s.sentence_signature}, {"corpus", s.corpus_signature}};
    metrics.push_back(std::move(m));
  }
  return {{"pairs", pairs}, {"metrics", std::move(metrics)}};
}

}  // namespace reasonrec::eval
