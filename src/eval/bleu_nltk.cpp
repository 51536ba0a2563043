#include "eval/bleu_nltk.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <set>
#include <span>
#include <utility>

#include <fmt/format.h>

#include "eval/ngram_match.hpp"
#include "eval/python_number.hpp"
#include "eval/python_text.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

using pynum::Number;

// nltk closest_ref_length: min over references of (|len - hyp_len|, len).
std::int64_t closest_ref_length(const std::vector<Tokens>& references, std::int64_t hyp_len) {
  std::int64_t best = -1;
  std::int64_t best_diff = 0;
  for (const Tokens& ref : references) {
    const auto len = static_cast<std::int64_t>(ref.size());
    const std::int64_t diff = std::llabs(len - hyp_len);
    if (best < 0 || diff < best_diff || (diff == best_diff && len < best)) {
      best = len;
      best_diff = diff;
    }
  }
  return best;
}

// The raw (unreduced) numerators and denominators of modified_precision, summed.
struct PrecisionCounts {
  std::vector<std::int64_t> numerator;
  std::vector<std::int64_t> denominator;
};

void add_precisions(PrecisionCounts& sum, const ClippedCounts& counts, std::size_t orders) {
  for (std::size_t i = 0; i < orders; ++i) {
    sum.numerator[i] += counts.matches[i];
    sum.denominator[i] += std::max<std::int64_t>(1, counts.totals[i]);
  }
}

std::int64_t power_of_two(int e) {
  return std::int64_t{1} << e;
}

class Smoother {
 public:
  Smoother(const NltkBleuOptions& o, const PrecisionCounts& counts, std::int64_t hyp_lengths,
           const std::vector<Tokens>& last_references, const Tokens& last_hypothesis)
      : o_(o),
        counts_(counts),
        hyp_len_(hyp_lengths),
        last_refs_(last_references),
        last_hyp_(last_hypothesis) {}

  std::vector<Number> apply(std::vector<Number> p) const {
    switch (o_.smoothing) {
      case -1:
      case 0:
        return method0(std::move(p));
      case 1:
        return method1(std::move(p));
      case 2:
        return method2(std::move(p));
      case 3:
        return method3(std::move(p));
      case 4:
        return method4(std::move(p));
      case 5:
        return method5(std::move(p));
      case 6:
        return method6(std::move(p));
      case 7:
        return method5(method4(std::move(p)));
      default:
        throw UsageError("bleu-nltk: no smoothing method" + std::to_string(o_.smoothing));
    }
  }

 private:
  std::int64_t num(std::size_t i) const { return counts_.numerator[i]; }
  std::int64_t den(std::size_t i) const { return counts_.denominator[i]; }

  // No smoothing: a zero precision becomes the smallest normal double.
  std::vector<Number> method0(std::vector<Number> p) const {
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (num(i) == 0) p[i] = Number::real(DBL_MIN);
    }
    return p;
  }

  // (0 + epsilon) / denominator for zero counts.
  std::vector<Number> method1(std::vector<Number> p) const {
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (num(i) == 0) p[i] = Number::real((0 + o_.epsilon) / static_cast<double>(den(i)));
    }
    return p;
  }

  // Add one to numerator and denominator above unigrams (an exact Fraction).
  std::vector<Number> method2(std::vector<Number> p) const {
    for (std::size_t i = 1; i < p.size(); ++i) p[i] = Number::exact(num(i) + 1, den(i) + 1);
    return p;
  }

  // NIST geometric sequence: 1 / (2^k * denominator), an int / int division.
  std::vector<Number> method3(std::vector<Number> p) const {
    int incvnt = 1;
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (num(i) != 0) continue;
      p[i] = Number::real(
          pynum::true_divide(1, static_cast<pynum::Int128>(power_of_two(incvnt)) * den(i)));
      ++incvnt;
    }
    return p;
  }

  // 1 / (2^k * K / ln(hyp_len)) / denominator, in floats; only when hyp_len > 1.
  std::vector<Number> method4(std::vector<Number> p) const {
    int incvnt = 1;
    const std::int64_t hyp_len =
        hyp_len_ != 0 ? hyp_len_ : static_cast<std::int64_t>(last_hyp_.size());
    for (std::size_t i = 0; i < p.size(); ++i) {
      if (num(i) != 0 || hyp_len <= 1) continue;
      const double scaled = static_cast<double>(power_of_two(incvnt) * o_.k);
      const double numerator = 1 / (scaled / std::log(static_cast<double>(hyp_len)));
      p[i] = Number::real(numerator / static_cast<double>(den(i)));
      ++incvnt;
    }
    return p;
  }

  // Average of the n-1, n and n+1 precisions (n+1 of the last order is the 5-gram precision
  // of the last hypothesis, whatever the weights).
  std::vector<Number> method5(std::vector<Number> p) const {
    const ClippedCounts c5 = clipped_ngram_counts(last_hyp_, last_refs_, 5);
    std::vector<Number> plus1 = p;
    plus1.push_back(Number::exact(c5.matches[4], std::max<std::int64_t>(1, c5.totals[4])));
    Number previous = p[0] + Number::integer(1);
    for (std::size_t i = 0; i < p.size(); ++i) {
      p[i] = (previous + p[i] + plus1[i + 1]) / Number::integer(3);
      previous = p[i];
    }
    return p;
  }

  // Interpolation with the prior p_{n-1}^2 / p_{n-2} (exact Fractions).
  std::vector<Number> method6(std::vector<Number> p) const {
    if (p.size() < 3) {
      throw Error(
          "bleu-nltk: smoothing method6 needs at least 3 n-gram orders (NLTK raises "
          "IndexError)");
    }
    if (p[2].is_zero()) {
      throw Error(
          "bleu-nltk: smoothing method6 needs a non-zero trigram precision (NLTK raises "
          "AssertionError)");
    }
    const Number alpha = Number::integer(o_.alpha);
    for (std::size_t i = 2; i < p.size(); ++i) {
      // Unreachable with a non-zero trigram count, but kept as NLTK has it: int 0, which
      // turns the division below into an int / int float division.
      const Number pi0 = p[i - 2].is_zero() ? Number::integer(0) : (p[i - 1] * p[i - 1]) / p[i - 2];
      const Number m = Number::integer(num(i));
      const auto hyp_ngrams = std::max<std::int64_t>(
          0, static_cast<std::int64_t>(last_hyp_.size()) - static_cast<std::int64_t>(i));
      const Number l = Number::integer(hyp_ngrams);
      p[i] = (m + alpha * pi0) / (l + alpha);
    }
    return p;
  }

  const NltkBleuOptions& o_;
  const PrecisionCounts& counts_;
  std::int64_t hyp_len_;
  const std::vector<Tokens>& last_refs_;
  const Tokens& last_hyp_;
};

Tokens tokens_of(const std::string& text) {
  return pytext::split(text);
}

}  // namespace

namespace {

// corpus_bleu over spans, so that sentence_bleu needs no copies.
double corpus_bleu(std::span<const std::vector<Tokens>> list_of_references,
                   std::span<const Tokens> hypotheses, const NltkBleuOptions& o) {
  if (o.weights.empty()) throw UsageError("bleu-nltk: weights must not be empty");
  const std::size_t orders = o.weights.size();
  PrecisionCounts counts{std::vector<std::int64_t>(orders, 0),
                         std::vector<std::int64_t>(orders, 0)};
  std::int64_t hyp_lengths = 0;
  std::int64_t ref_lengths = 0;
  for (std::size_t s = 0; s < hypotheses.size(); ++s) {
    if (list_of_references[s].empty()) {
      throw Error("bleu-nltk: a hypothesis without references (NLTK raises ValueError)");
    }
    add_precisions(counts, clipped_ngram_counts(hypotheses[s], list_of_references[s], orders),
                   orders);
    const auto hyp_len = static_cast<std::int64_t>(hypotheses[s].size());
    hyp_lengths += hyp_len;
    ref_lengths += closest_ref_length(list_of_references[s], hyp_len);
  }
  double bp;
  if (hyp_lengths > ref_lengths) {
    bp = 1.0;
  } else if (hyp_lengths == 0) {
    bp = 0.0;
  } else {
    bp = std::exp(1 - pynum::true_divide(ref_lengths, hyp_lengths));
  }
  if (counts.numerator[0] == 0) return 0.0;

  std::vector<Number> p;
  p.reserve(orders);
  for (std::size_t i = 0; i < orders; ++i) {
    p.push_back(Number::exact(counts.numerator[i], counts.denominator[i]));
  }
  const Smoother smoother(o, counts, hyp_lengths, list_of_references.back(), hypotheses.back());
  p = smoother.apply(std::move(p));

  std::vector<double> weights = o.weights;
  if (o.auto_reweigh && hyp_lengths < 4 && weights == std::vector<double>{0.25, 0.25, 0.25, 0.25}) {
    weights.assign(static_cast<std::size_t>(hyp_lengths), 1.0 / static_cast<double>(hyp_lengths));
  }
  std::vector<double> terms;
  for (std::size_t i = 0; i < weights.size() && i < p.size(); ++i) {
    if (p[i].is_positive()) terms.push_back(weights[i] * std::log(p[i].to_double()));
  }
  return bp * std::exp(pynum::fsum(terms));
}

}  // namespace

double nltk_corpus_bleu(const std::vector<std::vector<Tokens>>& list_of_references,
                        const std::vector<Tokens>& hypotheses, const NltkBleuOptions& options) {
  if (list_of_references.size() != hypotheses.size()) {
    throw Error("bleu-nltk: the number of hypotheses and their reference(s) should be the same");
  }
  return corpus_bleu(list_of_references, hypotheses, options);
}

double nltk_sentence_bleu(const std::vector<Tokens>& references, const Tokens& hypothesis,
                          const NltkBleuOptions& options) {
  return corpus_bleu(std::span<const std::vector<Tokens>>(&references, 1),
                     std::span<const Tokens>(&hypothesis, 1), options);
}

NltkBleu::NltkBleu(NltkBleuOptions options) : options_(std::move(options)) {
  if (options_.smoothing < -1 || options_.smoothing > 7) {
    throw UsageError("bleu-nltk: smoothing must be none or method0..method7");
  }
  if (options_.weights.empty()) throw UsageError("bleu-nltk: weights must not be empty");
}

TextScore NltkBleu::sentence(std::string_view candidate,
                             const std::vector<std::string>& references) const {
  // Lowercased copies only when asked; otherwise the tokens view the inputs.
  std::string hyp_lower;
  std::vector<std::string> refs_lower;
  if (options_.lowercase) {
    hyp_lower = pytext::lower(candidate);
    candidate = hyp_lower;
    for (const auto& r : references) refs_lower.push_back(pytext::lower(r));
  }
  const std::vector<std::string>& ref_texts = options_.lowercase ? refs_lower : references;
  std::vector<Tokens> refs;
  refs.reserve(ref_texts.size());
  for (const auto& r : ref_texts) refs.push_back(pytext::split(r));
  TextScore s;
  s.score = nltk_sentence_bleu(refs, pytext::split(candidate), options_);
  return s;
}

TextScore NltkBleu::corpus(const std::vector<std::string>& candidates,
                           const std::vector<std::vector<std::string>>& references) const {
  if (candidates.size() != references.size()) {
    throw Error("bleu-nltk: " + std::to_string(candidates.size()) + " candidates but " +
                std::to_string(references.size()) + " reference sets");
  }
  // Keep the (lowercased) texts alive while the token views point into them.
  std::vector<std::string> hyp_texts;
  std::vector<std::vector<std::string>> ref_texts;
  hyp_texts.reserve(candidates.size());
  ref_texts.reserve(references.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    hyp_texts.push_back(options_.lowercase ? pytext::lower(candidates[i]) : candidates[i]);
    std::vector<std::string> refs;
    for (const auto& r : references[i]) refs.push_back(options_.lowercase ? pytext::lower(r) : r);
    ref_texts.push_back(std::move(refs));
  }
  std::vector<Tokens> hyps;
  std::vector<std::vector<Tokens>> refs;
  hyps.reserve(hyp_texts.size());
  refs.reserve(ref_texts.size());
  for (std::size_t i = 0; i < hyp_texts.size(); ++i) {
    hyps.push_back(tokens_of(hyp_texts[i]));
    std::vector<Tokens> r;
    for (const auto& text : ref_texts[i]) r.push_back(tokens_of(text));
    refs.push_back(std::move(r));
  }
  TextScore s;
  s.score = nltk_corpus_bleu(refs, hyps, options_);
  return s;
}

std::string NltkBleu::format_signature(const std::string& nrefs) const {
  std::string smooth =
      options_.smoothing < 0 ? "none" : fmt::format("method{}", options_.smoothing);
  switch (options_.smoothing) {
    case 1:
      smooth += fmt::format("[epsilon={}]", options_.epsilon);
      break;
    case 4:
    case 7:
      smooth += fmt::format("[k={}]", options_.k);
      break;
    case 6:
      smooth += fmt::format("[alpha={}]", options_.alpha);
      break;
    default:
      break;
  }
  std::string weights;
  for (std::size_t i = 0; i < options_.weights.size(); ++i) {
    weights += (i ? "/" : "") + fmt::format("{}", options_.weights[i]);
  }
  return fmt::format("nrefs:{}|case:{}|tok:split|smooth:{}|weights:{}|reweigh:{}|version:nltk-{}",
                     nrefs, options_.lowercase ? "lc" : "mixed", smooth, weights,
                     options_.auto_reweigh ? "yes" : "no", kNltkVersion);
}

std::string NltkBleu::signature() const {
  return format_signature("1");
}

std::string NltkBleu::signature_for(ScoreLevel /*level*/,
                                    const std::vector<std::vector<std::string>>& references) const {
  std::set<std::size_t> counts;
  for (const auto& refs : references) counts.insert(refs.size());
  if (counts.empty()) return format_signature("0");
  return format_signature(counts.size() > 1 ? "var" : std::to_string(*counts.begin()));
}

std::unique_ptr<TextMetric> make_nltk_bleu(const MetricOptions& options) {
  NltkBleuOptions o;
  const std::string smooth = options.get_string("smooth", "none");
  if (smooth == "none") {
    o.smoothing = -1;
  } else if (smooth.size() == 7 && smooth.rfind("method", 0) == 0 && smooth[6] >= '0' &&
             smooth[6] <= '7') {
    o.smoothing = smooth[6] - '0';
  } else {
    throw UsageError("bleu-nltk: smooth=" + smooth + ": expected none or method0..method7");
  }
  o.epsilon = options.get_double("epsilon", o.epsilon);
  o.alpha = options.get_int("alpha", o.alpha);
  o.k = options.get_int("k", o.k);
  o.weights = options.get_doubles("weights", o.weights);
  o.auto_reweigh = options.get_bool("auto_reweigh", false);
  o.lowercase = options.get_bool("lowercase", false);
  return std::make_unique<NltkBleu>(o);
}

}  // namespace reasonrec::eval
