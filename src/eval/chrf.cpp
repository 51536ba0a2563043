#include "eval/chrf.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "eval/bleu_sacre.hpp"
#include "eval/ngram_match.hpp"
#include "eval/python_text.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

// Python's string.punctuation, which sacreBLEU's chrF++ word splitting strips off.
bool is_punct(char c) {
  const auto b = static_cast<unsigned char>(c);
  return (b >= 0x21 && b <= 0x2F) || (b >= 0x3A && b <= 0x40) || (b >= 0x5B && b <= 0x60) ||
         (b >= 0x7B && b <= 0x7E);
}

// sacreBLEU's CHRF._remove_punctuation: one punctuation character comes off the end of a
// word, or else off its start (so "(hi)" gives "(hi" and ")").
void remove_punctuation(std::string_view text, std::vector<std::string_view>& out) {
  std::vector<std::string_view> words;
  pytext::split_into(text, words);
  for (std::string_view w : words) {
    if (pytext::length(w) == 1) {
      out.push_back(w);
    } else if (is_punct(w.back())) {
      out.push_back(w.substr(0, w.size() - 1));
      out.push_back(w.substr(w.size() - 1));
    } else if (is_punct(w.front())) {
      out.push_back(w.substr(0, 1));
      out.push_back(w.substr(1));
    } else {
      out.push_back(w);
    }
  }
}

}  // namespace

Chrf::Chrf(ChrfOptions options) : options_(std::move(options)) {
  if (options_.char_order < 0 || options_.word_order < 0 ||
      options_.char_order + options_.word_order == 0) {
    throw UsageError("chrf: char_order and word_order must be >= 0 and not both 0");
  }
  if (options_.scale <= 0.0) throw UsageError("chrf: scale must be positive");
}

double Chrf::f_score(const std::vector<std::int64_t>& stats) const {
  const double eps = 1e-16;
  const double factor = static_cast<double>(options_.beta) * options_.beta;
  const std::size_t order = static_cast<std::size_t>(options_.char_order + options_.word_order);
  double score = 0.0;
  double avg_prec = 0.0;
  double avg_rec = 0.0;
  int effective_order = 0;
  for (std::size_t i = 0; i < order; ++i) {
    const auto n_hyp = stats[3 * i];
    const auto n_ref = stats[3 * i + 1];
    const auto n_match = stats[3 * i + 2];
    const double prec = n_hyp > 0 ? static_cast<double>(n_match) / static_cast<double>(n_hyp) : eps;
    const double rec = n_ref > 0 ? static_cast<double>(n_match) / static_cast<double>(n_ref) : eps;
    const double denom = factor * prec + rec;
    score += denom > 0 ? ((1 + factor) * prec * rec / denom) : eps;
    if (n_hyp > 0 && n_ref > 0) {
      avg_prec += prec;
      avg_rec += rec;
      ++effective_order;
    }
  }
  if (options_.eps_smoothing) return 100 * score / static_cast<double>(order);
  if (effective_order == 0) {
    avg_prec = avg_rec = 0.0;
  } else {
    avg_prec /= effective_order;
    avg_rec /= effective_order;
  }
  if (avg_prec + avg_rec != 0.0) {
    double f = (1 + factor) * avg_prec * avg_rec;
    f /= ((factor * avg_prec) + avg_rec);
    return 100 * f;
  }
  return 0.0;
}

std::vector<std::int64_t> Chrf::statistics(std::string_view candidate,
                                           const std::vector<std::string>& references) const {
  std::vector<std::string> refs;
  for (const std::string& r : references) {
    if (!r.empty()) refs.push_back(options_.lowercase ? pytext::lower(r) : r);
  }
  if (refs.empty()) {
    throw Error(name() + ": every reference is empty (sacreBLEU rejects such a segment)");
  }
  const std::string hyp = options_.lowercase ? pytext::lower(candidate) : std::string(candidate);

  const auto char_order = static_cast<std::size_t>(options_.char_order);
  const auto word_order = static_cast<std::size_t>(options_.word_order);
  const std::vector<std::string_view> ref_views(refs.begin(), refs.end());
  const auto char_matches =
      matches_per_reference(char_symbols(hyp, ref_views, options_.whitespace), char_order);
  std::vector<std::vector<OrderMatch>> word_matches;
  if (word_order > 0) {
    std::vector<std::string_view> hyp_words;
    remove_punctuation(hyp, hyp_words);
    std::vector<std::vector<std::string_view>> ref_words(refs.size());
    for (std::size_t r = 0; r < refs.size(); ++r) remove_punctuation(refs[r], ref_words[r]);
    word_matches = matches_per_reference(word_symbols(hyp_words, ref_words), word_order);
  }

  std::vector<std::int64_t> best;
  double best_f = -1.0;
  std::vector<std::int64_t> stats(3 * (char_order + word_order), 0);
  for (std::size_t r = 0; r < refs.size(); ++r) {
    for (std::size_t i = 0; i < char_order + word_order; ++i) {
      const OrderMatch& m = i < char_order ? char_matches[r][i] : word_matches[r][i - char_order];
      // sacreBLEU does not count candidate n-grams when the reference has none of this order.
      stats[3 * i] = m.reference == 0 ? 0 : m.candidate;
      stats[3 * i + 1] = m.reference;
      stats[3 * i + 2] = m.matches;
    }
    const double f = f_score(stats);
    if (f > best_f) {
      best_f = f;
      best = stats;
    }
  }
  return best;
}

TextScore Chrf::sentence(std::string_view candidate,
                         const std::vector<std::string>& references) const {
  TextScore s;
  s.score = f_score(statistics(candidate, references)) * (options_.scale / 100.0);
  return s;
}

TextScore Chrf::corpus(const std::vector<std::string>& candidates,
                       const std::vector<std::vector<std::string>>& references) const {
  if (candidates.size() != references.size()) {
    throw Error(name() + ": " + std::to_string(candidates.size()) + " candidates but " +
                std::to_string(references.size()) + " reference sets");
  }
  std::vector<std::int64_t> sum(
      3 * static_cast<std::size_t>(options_.char_order + options_.word_order), 0);
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto stats = statistics(candidates[i], references[i]);
    for (std::size_t k = 0; k < sum.size(); ++k) sum[k] += stats[k];
  }
  TextScore s;
  s.score = f_score(sum) * (options_.scale / 100.0);
  return s;
}

std::string Chrf::format_signature(const std::string& nrefs) const {
  std::string sig =
      fmt::format("nrefs:{}|case:{}|eff:{}|nc:{}|nw:{}|space:{}|version:{}", nrefs,
                  options_.lowercase ? "lc" : "mixed", options_.eps_smoothing ? "no" : "yes",
                  options_.char_order, options_.word_order, options_.whitespace ? "yes" : "no",
                  kSacreBleuVersion);
  // sacreBLEU names beta in the metric (chrF2), not the signature; ours must show it.
  if (options_.beta != 2) sig += fmt::format("|beta:{}", options_.beta);
  if (options_.scale != 100.0) sig += fmt::format("|scale:{}", options_.scale);
  return sig;
}

std::string Chrf::signature() const {
  return format_signature("1");
}

std::string Chrf::signature_for(ScoreLevel /*level*/,
                                const std::vector<std::vector<std::string>>& references) const {
  return format_signature(sacre_nrefs(references));
}

namespace {

std::unique_ptr<TextMetric> make_chrf_with(const MetricOptions& options, int word_order) {
  ChrfOptions o;
  o.char_order = static_cast<int>(options.get_int("char_order", 6));
  o.word_order = static_cast<int>(options.get_int("word_order", word_order));
  o.beta = static_cast<int>(options.get_int("beta", 2));
  o.lowercase = options.get_bool("lowercase", false);
  o.whitespace = options.get_bool("whitespace", false);
  o.eps_smoothing = options.get_bool("eps_smoothing", false);
  o.scale = options.get_double("scale", 100.0);
  if (o.scale != 100.0 && o.scale != 1.0) throw UsageError("chrf: scale must be 100 or 1");
  return std::make_unique<Chrf>(o);
}

}  // namespace

std::unique_ptr<TextMetric> make_chrf(const MetricOptions& options) {
  return make_chrf_with(options, 0);
}

std::unique_ptr<TextMetric> make_chrf_plus_plus(const MetricOptions& options) {
  return make_chrf_with(options, 2);
}

}  // namespace reasonrec::eval
