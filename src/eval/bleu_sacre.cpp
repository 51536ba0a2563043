#include "eval/bleu_sacre.hpp"

#include <cmath>
#include <cstdlib>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "eval/ngram_match.hpp"
#include "eval/python_text.hpp"
#include "eval/tokenize_13a.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

// sacreBLEU's utils.my_log: log(0) is floored to -9999999999 instead of failing.
double floored_log(double x) {
  return x == 0.0 ? -9999999999.0 : std::log(x);
}

double default_smooth_value(BleuSmoothing smoothing) {
  switch (smoothing) {
    case BleuSmoothing::floor:
      return 0.1;
    case BleuSmoothing::add_k:
      return 1.0;
    case BleuSmoothing::none:
    case BleuSmoothing::exp:
      break;
  }
  return 0.0;
}

// sacreBLEU's BLEU._get_closest_ref_len: the closest length, ties to the shorter one.
std::int64_t closest_ref_length(std::int64_t hyp_len, const std::vector<std::int64_t>& lens) {
  std::int64_t closest_diff = -1;
  std::int64_t closest_len = -1;
  for (std::int64_t len : lens) {
    const std::int64_t diff = std::llabs(hyp_len - len);
    if (closest_diff == -1 || diff < closest_diff) {
      closest_diff = diff;
      closest_len = len;
    } else if (diff == closest_diff && len < closest_len) {
      closest_len = len;
    }
  }
  return closest_len;
}

std::string smoothing_name(BleuSmoothing smoothing) {
  switch (smoothing) {
    case BleuSmoothing::none:
      return "none";
    case BleuSmoothing::floor:
      return "floor";
    case BleuSmoothing::add_k:
      return "add-k";
    case BleuSmoothing::exp:
      return "exp";
  }
  return "?";
}

}  // namespace

BleuStatistics& BleuStatistics::operator+=(const BleuStatistics& other) {
  sys_len += other.sys_len;
  ref_len += other.ref_len;
  if (correct.size() < other.correct.size()) correct.resize(other.correct.size(), 0);
  if (total.size() < other.total.size()) total.resize(other.total.size(), 0);
  for (std::size_t i = 0; i < other.correct.size(); ++i) correct[i] += other.correct[i];
  for (std::size_t i = 0; i < other.total.size(); ++i) total[i] += other.total[i];
  return *this;
}

BleuResult compute_sacre_bleu(const BleuStatistics& stats, BleuSmoothing smoothing,
                              std::optional<double> smooth_value, bool effective_order,
                              int max_ngram_order) {
  const auto order = static_cast<std::size_t>(max_ngram_order);
  const double value = smooth_value.value_or(default_smooth_value(smoothing));
  BleuResult r;
  r.sys_len = stats.sys_len;
  r.ref_len = stats.ref_len;
  r.counts.assign(order, 0.0);
  r.totals.assign(order, 0.0);
  for (std::size_t i = 0; i < order && i < stats.correct.size(); ++i) {
    r.counts[i] = static_cast<double>(stats.correct[i]);
    r.totals[i] = static_cast<double>(stats.total[i]);
  }
  if (r.sys_len < r.ref_len) {
    r.bp = r.sys_len > 0
               ? std::exp(1.0 - static_cast<double>(r.ref_len) / static_cast<double>(r.sys_len))
               : 0.0;
  } else {
    r.bp = 1.0;
  }
  r.precisions.assign(order, 0.0);

  bool any_match = false;
  for (double c : r.counts) any_match = any_match || c != 0.0;
  if (!any_match) return r;  // sacreBLEU returns 0 before smoothing (its issue #141)

  double smooth_mteval = 1.0;
  std::size_t eff_order = order;
  for (std::size_t n = 1; n <= order; ++n) {
    double& correct = r.counts[n - 1];
    double& total = r.totals[n - 1];
    if (smoothing == BleuSmoothing::add_k && n > 1) {
      correct += value;
      total += value;
    }
    if (total == 0.0) break;
    if (effective_order) eff_order = n;
    if (correct == 0.0) {
      if (smoothing == BleuSmoothing::exp) {
        smooth_mteval *= 2.0;
        r.precisions[n - 1] = 100.0 / (smooth_mteval * total);
      } else if (smoothing == BleuSmoothing::floor) {
        r.precisions[n - 1] = 100.0 * value / total;
      }
    } else {
      r.precisions[n - 1] = 100.0 * correct / total;
    }
  }
  // Python's sum(): plain left-to-right addition.
  double log_sum = 0.0;
  for (std::size_t i = 0; i < eff_order; ++i) log_sum += floored_log(r.precisions[i]);
  r.score = r.bp * std::exp(log_sum / static_cast<double>(eff_order));
  return r;
}

SacreBleu::SacreBleu(SacreBleuOptions options) : options_(std::move(options)) {
  if (options_.max_ngram_order < 1) throw UsageError("bleu: max_ngram_order must be >= 1");
  if (options_.scale <= 0.0) throw UsageError("bleu: scale must be positive");
}

std::string SacreBleu::preprocess(std::string_view text) const {
  std::string lowered;
  if (options_.lowercase) {
    lowered = pytext::lower(text);
    text = lowered;
  }
  text = pytext::rstrip(text);
  if (options_.tokenizer == BleuTokenizer::thirteen_a) return tokenize_13a(text);
  return std::string(text);
}

BleuStatistics SacreBleu::statistics(std::string_view candidate,
                                     const std::vector<std::string>& references) const {
  const auto order = static_cast<std::size_t>(options_.max_ngram_order);
  std::vector<std::string> ref_texts;
  ref_texts.reserve(references.size());
  for (const std::string& ref : references) {
    if (!ref.empty()) ref_texts.push_back(preprocess(ref));
  }
  if (ref_texts.empty()) {
    throw Error("bleu: every reference is empty (sacreBLEU rejects such a segment)");
  }
  const std::string hyp_text = preprocess(candidate);
  const std::vector<std::string_view> hyp = pytext::split(hyp_text);
  std::vector<std::vector<std::string_view>> refs;
  std::vector<std::int64_t> ref_lens;
  refs.reserve(ref_texts.size());
  for (const std::string& text : ref_texts) {
    refs.push_back(pytext::split(text));
    ref_lens.push_back(static_cast<std::int64_t>(refs.back().size()));
  }
  const ClippedCounts counts = clipped_ngram_counts(hyp, refs, order);
  BleuStatistics stats;
  stats.sys_len = static_cast<std::int64_t>(hyp.size());
  stats.ref_len = closest_ref_length(stats.sys_len, ref_lens);
  stats.correct = counts.matches;
  stats.total = counts.totals;
  return stats;
}

bool SacreBleu::effective_order_at(ScoreLevel level) const {
  return options_.effective_order.value_or(level == ScoreLevel::sentence);
}

BleuResult SacreBleu::sentence_result(std::string_view candidate,
                                      const std::vector<std::string>& references) const {
  return compute_sacre_bleu(statistics(candidate, references), options_.smoothing,
                            options_.smooth_value, effective_order_at(ScoreLevel::sentence),
                            options_.max_ngram_order);
}

BleuResult SacreBleu::corpus_result(const std::vector<std::string>& candidates,
                                    const std::vector<std::vector<std::string>>& references) const {
  if (candidates.size() != references.size()) {
    throw Error("bleu: " + std::to_string(candidates.size()) + " candidates but " +
                std::to_string(references.size()) + " reference sets");
  }
  BleuStatistics sum;
  sum.correct.assign(static_cast<std::size_t>(options_.max_ngram_order), 0);
  sum.total = sum.correct;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    sum += statistics(candidates[i], references[i]);
  }
  return compute_sacre_bleu(sum, options_.smoothing, options_.smooth_value,
                            effective_order_at(ScoreLevel::corpus), options_.max_ngram_order);
}

TextScore SacreBleu::to_text_score(const BleuResult& r) const {
  const double unit = options_.scale / 100.0;
  TextScore s;
  s.score = r.score * unit;
  s.parts["bp"] = r.bp;
  s.parts["sys_len"] = static_cast<double>(r.sys_len);
  s.parts["ref_len"] = static_cast<double>(r.ref_len);
  for (std::size_t i = 0; i < r.precisions.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    s.parts["p" + n] = r.precisions[i] * unit;
    s.parts["counts" + n] = r.counts[i];
    s.parts["totals" + n] = r.totals[i];
  }
  return s;
}

TextScore SacreBleu::sentence(std::string_view candidate,
                              const std::vector<std::string>& references) const {
  return to_text_score(sentence_result(candidate, references));
}

TextScore SacreBleu::corpus(const std::vector<std::string>& candidates,
                            const std::vector<std::vector<std::string>>& references) const {
  return to_text_score(corpus_result(candidates, references));
}

std::string SacreBleu::format_signature(const std::string& nrefs, bool effective_order) const {
  std::string smooth = smoothing_name(options_.smoothing);
  if (options_.smoothing == BleuSmoothing::floor || options_.smoothing == BleuSmoothing::add_k) {
    smooth += fmt::format("[{:.2f}]",
                          options_.smooth_value.value_or(default_smooth_value(options_.smoothing)));
  }
  std::string sig = fmt::format("nrefs:{}|case:{}|eff:{}|tok:{}|smooth:{}|version:{}", nrefs,
                                options_.lowercase ? "lc" : "mixed", effective_order ? "yes" : "no",
                                options_.tokenizer == BleuTokenizer::thirteen_a ? "13a" : "none",
                                smooth, kSacreBleuVersion);
  if (options_.max_ngram_order != 4) {
    // sacreBLEU leaves the order out of its signature; ours must not hide a setting.
    sig += fmt::format("|order:{}", options_.max_ngram_order);
  }
  if (options_.scale != 100.0) sig += fmt::format("|scale:{}", options_.scale);
  return sig;
}

std::string SacreBleu::signature() const {
  return format_signature("1", effective_order_at(ScoreLevel::sentence));
}

std::string SacreBleu::signature_for(
    ScoreLevel level, const std::vector<std::vector<std::string>>& references) const {
  return format_signature(sacre_nrefs(references), effective_order_at(level));
}

std::string sacre_nrefs(const std::vector<std::vector<std::string>>& references) {
  std::set<std::size_t> counts;
  for (const auto& refs : references) {
    std::size_t n = 0;
    for (const auto& r : refs) n += r.empty() ? 0 : 1;
    counts.insert(n);
  }
  if (counts.empty()) return "0";
  if (counts.size() > 1) return "var";
  return std::to_string(*counts.begin());
}

std::unique_ptr<TextMetric> make_sacre_bleu(const MetricOptions& options) {
  SacreBleuOptions o;
  const std::string tok = options.get_string("tokenize", "13a");
  if (tok == "13a") {
    o.tokenizer = BleuTokenizer::thirteen_a;
  } else if (tok == "none") {
    o.tokenizer = BleuTokenizer::none;
  } else {
    throw UsageError("bleu: tokenize=" + tok + ": expected 13a or none");
  }
  o.lowercase = options.get_bool("lowercase", false);
  const std::string smooth = options.get_string("smooth", "exp");
  if (smooth == "exp") {
    o.smoothing = BleuSmoothing::exp;
  } else if (smooth == "floor") {
    o.smoothing = BleuSmoothing::floor;
  } else if (smooth == "add-k") {
    o.smoothing = BleuSmoothing::add_k;
  } else if (smooth == "none") {
    o.smoothing = BleuSmoothing::none;
  } else {
    throw UsageError("bleu: smooth=" + smooth + ": expected exp, floor, add-k or none");
  }
  if (options.has("smooth_value")) o.smooth_value = options.get_double("smooth_value", 0.0);
  o.max_ngram_order = static_cast<int>(options.get_int("max_ngram_order", 4));
  const std::string eff = options.get_string("effective_order", "auto");
  if (eff == "yes" || eff == "true") {
    o.effective_order = true;
  } else if (eff == "no" || eff == "false") {
    o.effective_order = false;
  } else if (eff != "auto") {
    throw UsageError("bleu: effective_order=" + eff + ": expected auto, yes or no");
  }
  o.scale = options.get_double("scale", 100.0);
  if (o.scale != 100.0 && o.scale != 1.0) throw UsageError("bleu: scale must be 100 or 1");
  return std::make_unique<SacreBleu>(o);
}

}  // namespace reasonrec::eval
