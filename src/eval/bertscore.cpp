#include "eval/bertscore.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

#include "eval/python_text.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace reasonrec::eval {

namespace {

constexpr std::string_view bert_score_version = "0.3.13";

std::vector<std::string_view> split_csv_line(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(
        line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

double parse_baseline_number(std::string_view text, const std::string& file, std::size_t line) {
  const std::string value(trim(text));
  try {
    std::size_t used = 0;
    const double v = std::stod(value, &used);
    if (used == value.size()) return v;
  } catch (const std::exception&) {
  }
  throw InputError(file, line, "'" + value + "' is not a number");
}

// Best similarity of each row of `a` among the rows of `b` (both unit-normalised).
std::vector<double> best_matches(const std::vector<std::vector<double>>& a,
                                 const std::vector<std::vector<double>>& b, bool floor_at_zero) {
  std::vector<double> best(a.size(), -std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < a.size(); ++i) {
    double m = floor_at_zero ? 0.0 : -std::numeric_limits<double>::infinity();
    for (const auto& row : b) {
      double dot = 0.0;
      for (std::size_t d = 0; d < row.size(); ++d) dot += a[i][d] * row[d];
      // torch.max propagates NaN (a zero embedding row normalises to NaN).
      if (std::isnan(dot) || dot > m) m = dot;
      if (std::isnan(m)) break;
    }
    best[i] = m;
  }
  return best;
}

std::vector<std::vector<double>> unit_rows(const TokenEmbeddings& e) {
  std::vector<std::vector<double>> rows(e.ids.size(), std::vector<double>(e.dim));
  for (std::size_t i = 0; i < e.ids.size(); ++i) {
    const auto r = e.row(i);
    double norm = 0.0;
    for (const float v : r) norm += static_cast<double>(v) * static_cast<double>(v);
    norm = std::sqrt(norm);
    for (std::size_t d = 0; d < e.dim; ++d) rows[i][d] = static_cast<double>(r[d]) / norm;
  }
  return rows;
}

double weighted_mean(std::span<const double> values, std::span<const double> weights) {
  double total = 0.0;
  for (const double w : weights) total += w;
  double sum = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) sum += values[i] * (weights[i] / total);
  return sum;
}

// torch.max over a dimension: NaN wins.
double nan_max(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return std::max(a, b);
}

double rescale(double value, double baseline) {
  return (value - baseline) / (1.0 - baseline);
}

std::string format_layer_label(const TokenEmbedder& e) {
  return fmt::format("{}_L{}", e.model_name(), e.layer());
}

}  // namespace

BertScoreTriple read_bertscore_baseline(const std::filesystem::path& file, int layer) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(name, 0, "cannot read baseline file");
  if (layer < 0) throw UsageError("BERTScore layer must be >= 0");
  std::string line;
  std::size_t line_no = 0;
  bool header_seen = false;
  int row = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty()) continue;  // pandas skips blank lines
    const auto fields = split_csv_line(line);
    if (!header_seen) {
      if (fields.size() != 4) {
        throw InputError(name, line_no,
                         "expected the header LAYER,P,R,F (4 columns), got " +
                             std::to_string(fields.size()) + " columns");
      }
      header_seen = true;
      continue;
    }
    if (fields.size() != 4) {
      throw InputError(name, line_no,
                       "expected 4 columns (layer,P,R,F), got " + std::to_string(fields.size()));
    }
    if (row == layer) {
      return {parse_baseline_number(fields[1], name, line_no),
              parse_baseline_number(fields[2], name, line_no),
              parse_baseline_number(fields[3], name, line_no)};
    }
    ++row;
  }
  if (!header_seen) throw InputError(name, 0, "empty baseline file");
  throw InputError(
      name, 0,
      fmt::format("has {} baseline rows; none for layer {} (rows are 0-based)", row, layer));
}

TokenWeights TokenWeights::uniform(std::span<const std::int32_t> zero_weight_ids) {
  TokenWeights w;
  w.default_weight_ = 1.0;
  for (const std::int32_t id : zero_weight_ids) w.weights_[id] = 0.0;
  return w;
}

TokenWeights TokenWeights::idf(const std::vector<std::vector<std::int32_t>>& tokenized_references) {
  std::unordered_map<std::int32_t, std::size_t> document_frequency;
  for (const auto& ids : tokenized_references) {
    const std::unordered_set<std::int32_t> unique(ids.begin(), ids.end());
    for (const std::int32_t id : unique) ++document_frequency[id];
  }
  const double documents = static_cast<double>(tokenized_references.size());
  TokenWeights w;
  w.default_weight_ = std::log((documents + 1.0) / 1.0);
  for (const auto& [id, df] : document_frequency) {
    w.weights_[id] = std::log((documents + 1.0) / (static_cast<double>(df) + 1.0));
  }
  return w;
}

double TokenWeights::weight(std::int32_t id) const {
  const auto it = weights_.find(id);
  return it == weights_.end() ? default_weight_ : it->second;
}

BertScoreTriple greedy_cosine_match(const TokenEmbeddings& candidate,
                                    std::span<const double> candidate_weights,
                                    const TokenEmbeddings& reference,
                                    std::span<const double> reference_weights,
                                    bool reference_padded, bool candidate_padded) {
  if (candidate.dim != reference.dim) {
    throw Error("BERTScore: candidate and reference embeddings differ in width");
  }
  const auto cand_rows = unit_rows(candidate);
  const auto ref_rows = unit_rows(reference);
  const std::vector<double> word_precision = best_matches(cand_rows, ref_rows, reference_padded);
  const std::vector<double> word_recall = best_matches(ref_rows, cand_rows, candidate_padded);
  BertScoreTriple t;
  t.precision = weighted_mean(word_precision, candidate_weights);
  t.recall = weighted_mean(word_recall, reference_weights);
  t.f1 = 2.0 * t.precision * t.recall / (t.precision + t.recall);
  // bert_score zeroes P and R (not F) of empty texts, then F's NaN.
  if (candidate.ids.size() == 2 || reference.ids.size() == 2) t.precision = t.recall = 0.0;
  if (std::isnan(t.f1)) t.f1 = 0.0;
  return t;
}

BertScorer::BertScorer(const TokenEmbedder& embedder, BertScoreOptions options)
    : embedder_(embedder), options_(std::move(options)) {
  if (options_.batch_size == 0) throw UsageError("BERTScore batch size must be positive");
  if (options_.chunk_pairs == 0) options_.chunk_pairs = 1;
}

std::vector<BertScoreTriple> BertScorer::score(
    const std::vector<std::string>& candidates,
    const std::vector<std::vector<std::string>>& references, Progress* progress) const {
  if (candidates.size() != references.size()) {
    throw Error(fmt::format("BERTScore: {} candidates but {} reference lists", candidates.size(),
                            references.size()));
  }
  // bert_score flattens (candidate, reference) pairs; its batches run over that list.
  struct FlatPair {
    std::size_t candidate;
    std::string_view reference;
  };
  std::vector<FlatPair> flat;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (references[i].empty()) {
      throw Error(fmt::format("BERTScore: candidate {} has no reference", i + 1));
    }
    for (const std::string& r : references[i]) flat.push_back({i, pytext::strip(r)});
  }

  TokenWeights weights = TokenWeights::uniform(embedder_.zero_weight_ids());
  if (options_.idf) {
    std::vector<std::vector<std::int32_t>> tokenized;
    tokenized.reserve(flat.size());
    for (const FlatPair& p : flat) tokenized.push_back(embedder_.tokenize(p.reference));
    weights = TokenWeights::idf(tokenized);
  }

  std::vector<BertScoreTriple> flat_scores(flat.size());
  const std::size_t batch = options_.batch_size;
  const std::size_t chunk = (options_.chunk_pairs + batch - 1) / batch * batch;
  for (std::size_t begin = 0; begin < flat.size(); begin += chunk) {
    const std::size_t end = std::min(flat.size(), begin + chunk);
    // Embed every distinct text of the chunk once, longest first (less padding).
    struct Text {
      std::vector<std::int32_t> ids;
      TokenEmbeddings embeddings;
      std::vector<double> weights;
    };
    std::map<std::string_view, Text> texts;
    for (std::size_t k = begin; k < end; ++k) {
      texts.try_emplace(pytext::strip(candidates[flat[k].candidate]));
      texts.try_emplace(flat[k].reference);
    }
    std::vector<Text*> order;
    for (auto& [text, t] : texts) {
      t.ids = embedder_.tokenize(text);
      for (const std::int32_t id : t.ids) t.weights.push_back(weights.weight(id));
      order.push_back(&t);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const Text* a, const Text* b) { return a->ids.size() > b->ids.size(); });
    for (std::size_t b0 = 0; b0 < order.size(); b0 += batch) {
      const std::size_t b1 = std::min(order.size(), b0 + batch);
      std::vector<std::vector<std::int32_t>> sequences;
      for (std::size_t j = b0; j < b1; ++j) sequences.push_back(order[j]->ids);
      std::vector<TokenEmbeddings> embedded = embedder_.embed(sequences);
      if (embedded.size() != sequences.size()) {
        throw Error("BERTScore: the encoder returned the wrong number of texts");
      }
      for (std::size_t j = b0; j < b1; ++j) {
        TokenEmbeddings& e = embedded[j - b0];
        if (e.ids.size() != order[j]->ids.size() || e.values.size() != e.ids.size() * e.dim) {
          throw Error("BERTScore: the encoder returned embeddings of the wrong shape");
        }
        order[j]->embeddings = std::move(e);
      }
    }
    for (std::size_t b0 = begin; b0 < end; b0 += batch) {
      const std::size_t b1 = std::min(end, b0 + batch);
      std::size_t longest_candidate = 0;
      std::size_t longest_reference = 0;
      for (std::size_t k = b0; k < b1; ++k) {
        longest_candidate = std::max(
            longest_candidate, texts.at(pytext::strip(candidates[flat[k].candidate])).ids.size());
        longest_reference = std::max(longest_reference, texts.at(flat[k].reference).ids.size());
      }
      for (std::size_t k = b0; k < b1; ++k) {
        const Text& c = texts.at(pytext::strip(candidates[flat[k].candidate]));
        const Text& r = texts.at(flat[k].reference);
        flat_scores[k] =
            greedy_cosine_match(c.embeddings, c.weights, r.embeddings, r.weights,
                                r.ids.size() < longest_reference, c.ids.size() < longest_candidate);
      }
    }
    if (progress) {
      // Count candidates whose last reference this chunk finished.
      std::size_t finished = 0;
      for (std::size_t k = begin; k < end; ++k) {
        if (k + 1 == flat.size() || flat[k + 1].candidate != flat[k].candidate) ++finished;
      }
      progress->add(finished);
    }
  }

  std::vector<BertScoreTriple> out(candidates.size());
  std::vector<bool> seen(candidates.size(), false);
  for (std::size_t k = 0; k < flat.size(); ++k) {
    BertScoreTriple& o = out[flat[k].candidate];
    const BertScoreTriple& s = flat_scores[k];
    if (!seen[flat[k].candidate]) {
      o = s;
      seen[flat[k].candidate] = true;
    } else {
      o.precision = nan_max(o.precision, s.precision);
      o.recall = nan_max(o.recall, s.recall);
      o.f1 = nan_max(o.f1, s.f1);
    }
  }
  if (options_.baseline) {
    for (BertScoreTriple& o : out) {
      o.precision = rescale(o.precision, options_.baseline->precision);
      o.recall = rescale(o.recall, options_.baseline->recall);
      o.f1 = rescale(o.f1, options_.baseline->f1);
    }
  }
  return out;
}

std::string BertScorer::signature() const {
  std::string sig = fmt::format("model:{}|layer:{}|idf:{}", embedder_.model_name(),
                                embedder_.layer(), options_.idf ? "yes" : "no");
  if (options_.baseline) {
    sig += fmt::format("|rescale:{}", options_.baseline_name.empty() ? std::string("custom")
                                                                     : options_.baseline_name);
  } else {
    sig += "|rescale:no";
  }
  sig += fmt::format("|multiref:max_each|version:bert_score-{}", bert_score_version);
  return sig;
}

std::string BertScorer::hash() const {
  std::string h = fmt::format("{}{}_version={}(hug_trans=reasonrec)", format_layer_label(embedder_),
                              options_.idf ? "_idf" : "_no-idf", bert_score_version);
  if (options_.baseline) h += "-custom-rescaled";
  return h;
}

void append_bertscore(TextScoringResult& result, const std::string& label, const BertScorer& scorer,
                      const std::vector<TextPair>& pairs, Progress* progress) {
  std::vector<std::string> candidates;
  std::vector<std::vector<std::string>> references;
  candidates.reserve(pairs.size());
  references.reserve(pairs.size());
  for (const TextPair& p : pairs) {
    candidates.push_back(p.candidate);
    references.push_back(p.references);
  }
  const std::vector<BertScoreTriple> scores = scorer.score(candidates, references, progress);
  if (result.pairs.size() != pairs.size()) result.pairs.resize(pairs.size());
  BertScoreTriple sum;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const BertScoreTriple& s = scores[i];
    TextScore ts;
    ts.score = s.f1;
    ts.parts = {{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}};
    result.pairs[i].push_back(PairScore{ts, {}});
    sum.precision += s.precision;
    sum.recall += s.recall;
    sum.f1 += s.f1;
  }
  MetricSummary summary;
  summary.label = label;
  summary.name = "bertscore";
  summary.sentence_signature = scorer.signature();
  summary.corpus_signature = summary.sentence_signature;
  summary.scored = pairs.size();
  const double n = static_cast<double>(std::max<std::size_t>(1, pairs.size()));
  TextScore corpus;
  corpus.score = sum.f1 / n;
  corpus.parts = {{"precision", sum.precision / n}, {"recall", sum.recall / n}, {"f1", sum.f1 / n}};
  summary.corpus = corpus;
  summary.sentence_mean = corpus.score;
  result.metrics.push_back(std::move(summary));
}

}  // namespace reasonrec::eval
