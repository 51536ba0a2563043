#include "eval/rouge.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

#include "eval/python_text.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {
namespace {

using Ids = std::vector<int>;

// Assigns small integers to tokens so that comparisons are integer comparisons.
class Interner {
 public:
  Ids intern(const std::vector<std::string>& tokens) {
    Ids ids;
    ids.reserve(tokens.size());
    for (const auto& t : tokens) {
      const auto [it, inserted] = ids_.try_emplace(t, static_cast<int>(ids_.size()));
      ids.push_back(it->second);
    }
    return ids;
  }
  std::size_t size() const { return ids_.size(); }

 private:
  std::unordered_map<std::string, int> ids_;
};

// rouge-score's scoring.fmeasure, with its operation order.
double fmeasure(double precision, double recall) {
  if (precision + recall > 0) return 2 * precision * recall / (precision + recall);
  return 0.0;
}

RougeTriple triple(double precision, double recall) {
  return {precision, recall, fmeasure(precision, recall)};
}

// Count of n-grams shared by target and prediction (clipped), via sorted n-gram starts.
RougeTriple score_ngrams(const Ids& target, const Ids& prediction, int n) {
  const auto starts = [n](const Ids& ids) {
    std::vector<std::size_t> out;
    const std::size_t len = static_cast<std::size_t>(n);
    if (ids.size() >= len) {
      for (std::size_t i = 0; i + len <= ids.size(); ++i) out.push_back(i);
    }
    const auto less = [&ids, len](std::size_t a, std::size_t b) {
      return std::lexicographical_compare(ids.begin() + static_cast<std::ptrdiff_t>(a),
                                          ids.begin() + static_cast<std::ptrdiff_t>(a + len),
                                          ids.begin() + static_cast<std::ptrdiff_t>(b),
                                          ids.begin() + static_cast<std::ptrdiff_t>(b + len));
    };
    std::sort(out.begin(), out.end(), less);
    return out;
  };
  const std::vector<std::size_t> t = starts(target);
  const std::vector<std::size_t> p = starts(prediction);
  const std::size_t len = static_cast<std::size_t>(n);
  // -1, 0, 1 comparison of the n-gram at a in x with the n-gram at b in y.
  const auto compare = [len](const Ids& x, std::size_t a, const Ids& y, std::size_t b) {
    for (std::size_t k = 0; k < len; ++k) {
      if (x[a + k] != y[b + k]) return x[a + k] < y[b + k] ? -1 : 1;
    }
    return 0;
  };
  std::size_t i = 0;
  std::size_t j = 0;
  long overlap = 0;
  while (i < t.size() && j < p.size()) {
    const int c = compare(target, t[i], prediction, p[j]);
    if (c < 0) {
      ++i;
    } else if (c > 0) {
      ++j;
    } else {
      std::size_t run_t = 1;
      while (i + run_t < t.size() && compare(target, t[i + run_t], target, t[i]) == 0) ++run_t;
      std::size_t run_p = 1;
      while (j + run_p < p.size() && compare(prediction, p[j + run_p], prediction, p[j]) == 0) {
        ++run_p;
      }
      overlap += static_cast<long>(std::min(run_t, run_p));
      i += run_t;
      j += run_p;
    }
  }
  const double count = static_cast<double>(overlap);
  const double precision = count / static_cast<double>(std::max<std::size_t>(p.size(), 1));
  const double recall = count / static_cast<double>(std::max<std::size_t>(t.size(), 1));
  return triple(precision, recall);
}

std::size_t lcs_length(const Ids& ref, const Ids& can) {
  std::vector<std::size_t> previous(can.size() + 1, 0);
  std::vector<std::size_t> current(can.size() + 1, 0);
  for (std::size_t i = 1; i <= ref.size(); ++i) {
    for (std::size_t j = 1; j <= can.size(); ++j) {
      current[j] =
          ref[i - 1] == can[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
    }
    std::swap(previous, current);
  }
  return previous[can.size()];
}

// rouge-score's lcs_ind: the indices into ref of the LCS that its _backtrack_norec reads out
// of the full DP table. Instead of the table we keep two bits per cell: whether the value
// grows from the left neighbour and from the upper neighbour, which is all the backtrack's
// comparison t[i][j-1] > t[i-1][j] needs (2 bits per cell keeps 10k-word texts in memory).
std::vector<std::size_t> lcs_indices(const Ids& ref, const Ids& can) {
  const std::size_t rows = ref.size();
  const std::size_t cols = can.size();
  if (rows == 0 || cols == 0) return {};
  const std::size_t width = cols + 1;
  std::vector<std::uint64_t> left_step(((rows + 1) * width + 63) / 64, 0);
  std::vector<std::uint64_t> up_step(left_step.size(), 0);
  const auto set = [](std::vector<std::uint64_t>& bits, std::size_t k) {
    bits[k / 64] |= std::uint64_t{1} << (k % 64);
  };
  const auto get = [](const std::vector<std::uint64_t>& bits, std::size_t k) {
    return ((bits[k / 64] >> (k % 64)) & 1U) != 0;
  };
  std::vector<std::size_t> previous(width, 0);
  std::vector<std::size_t> current(width, 0);
  for (std::size_t i = 1; i <= rows; ++i) {
    current[0] = 0;
    for (std::size_t j = 1; j <= cols; ++j) {
      const std::size_t value =
          ref[i - 1] == can[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
      current[j] = value;
      if (value > current[j - 1]) set(left_step, i * width + j);
      if (value > previous[j]) set(up_step, i * width + j);
    }
    std::swap(previous, current);
  }
  std::vector<std::size_t> indices;
  std::size_t i = rows;
  std::size_t j = cols;
  while (i > 0 && j > 0) {
    if (ref[i - 1] == can[j - 1]) {
      indices.push_back(i - 1);
      --i;
      --j;
    } else if (get(up_step, i * width + j) && !get(left_step, i * width + j)) {
      // t[i][j-1] = t - left_step > t[i-1][j] = t - up_step
      --j;
    } else {
      --i;
    }
  }
  std::reverse(indices.begin(), indices.end());
  return indices;
}

RougeTriple score_lcs(const Ids& target, const Ids& prediction) {
  if (target.empty() || prediction.empty()) return {};
  const double lcs = static_cast<double>(lcs_length(target, prediction));
  return triple(lcs / static_cast<double>(prediction.size()),
                lcs / static_cast<double>(target.size()));
}

// rouge-score's _summary_level_lcs: union LCS per reference sentence, with hits capped by
// the token counts of both summaries.
RougeTriple score_summary_lcs(const std::vector<Ids>& ref_sents, const std::vector<Ids>& can_sents,
                              std::size_t vocabulary) {
  if (ref_sents.empty() || can_sents.empty()) return {};
  std::size_t m = 0;
  std::size_t n = 0;
  std::vector<long> ref_counts(vocabulary, 0);
  std::vector<long> can_counts(vocabulary, 0);
  for (const auto& s : ref_sents) {
    m += s.size();
    for (const int t : s) ++ref_counts[static_cast<std::size_t>(t)];
  }
  for (const auto& s : can_sents) {
    n += s.size();
    for (const int t : s) ++can_counts[static_cast<std::size_t>(t)];
  }
  if (m == 0 || n == 0) return {};
  std::size_t hits = 0;
  for (const auto& r : ref_sents) {
    std::vector<std::size_t> union_indices;
    for (const auto& c : can_sents) {
      const auto indices = lcs_indices(r, c);
      union_indices.insert(union_indices.end(), indices.begin(), indices.end());
    }
    std::sort(union_indices.begin(), union_indices.end());
    union_indices.erase(std::unique(union_indices.begin(), union_indices.end()),
                        union_indices.end());
    for (const std::size_t k : union_indices) {
      const auto t = static_cast<std::size_t>(r[k]);
      if (can_counts[t] > 0 && ref_counts[t] > 0) {
        ++hits;
        --can_counts[t];
        --ref_counts[t];
      }
    }
  }
  const double h = static_cast<double>(hits);
  return triple(h / static_cast<double>(n), h / static_cast<double>(m));
}

// Python's text.split("\n") without the empty pieces.
std::vector<std::string_view> newline_sentences(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

RougeType RougeType::parse(std::string_view name) {
  RougeType type;
  type.name = std::string(name);
  if (name == "rougeL") {
    type.kind = Kind::Lcs;
  } else if (name == "rougeLsum") {
    type.kind = Kind::LcsSum;
  } else if (name.size() == 6 && name.substr(0, 5) == "rouge" && name[5] >= '1' && name[5] <= '9') {
    type.kind = Kind::NGram;
    type.n = name[5] - '0';
  } else {
    throw UsageError("unknown rouge type '" + std::string(name) +
                     "' (expected rouge1..rouge9, rougeL or rougeLsum)");
  }
  return type;
}

RougeScorer::RougeScorer(std::vector<RougeType> types, bool use_stemmer)
    : types_(std::move(types)), use_stemmer_(use_stemmer) {}

std::vector<std::string> RougeScorer::tokenize(std::string_view text) const {
  // After Python's lower() only ASCII letters and digits survive; the only non-ASCII code
  // points whose lowercase contains one are U+0130 (-> "i" + U+0307) and U+212A (-> "k").
  std::vector<std::string> tokens;
  std::string current;
  const auto flush = [&] {
    if (current.empty()) return;
    if (use_stemmer_ && current.size() > 3) {
      tokens.push_back(stemmer_.stem(current));
    } else {
      tokens.push_back(current);
    }
    current.clear();
  };
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  for (std::size_t i = 0; i < text.size();) {
    const unsigned char b = s[i];
    if (b < 0x80) {
      if ((b >= 'a' && b <= 'z') || (b >= '0' && b <= '9')) {
        current.push_back(static_cast<char>(b));
      } else if (b >= 'A' && b <= 'Z') {
        current.push_back(static_cast<char>(b + 32));
      } else {
        flush();
      }
      ++i;
      continue;
    }
    std::size_t next = i;
    const char32_t cp = pytext::next_code_point(text, next);
    if (cp == 0x130) {
      current.push_back('i');
      flush();  // U+0307 separates
    } else if (cp == 0x212A) {
      current.push_back('k');
    } else {
      flush();
    }
    i = next;
  }
  flush();
  return tokens;
}

std::vector<RougeTriple> RougeScorer::score(std::string_view target,
                                            std::string_view prediction) const {
  Interner interner;
  const Ids target_ids = interner.intern(tokenize(target));
  const Ids prediction_ids = interner.intern(tokenize(prediction));
  std::vector<Ids> target_sents;
  std::vector<Ids> prediction_sents;
  const bool need_sents = std::any_of(types_.begin(), types_.end(), [](const RougeType& t) {
    return t.kind == RougeType::Kind::LcsSum;
  });
  if (need_sents) {
    for (const auto sentence : newline_sentences(target)) {
      target_sents.push_back(interner.intern(tokenize(sentence)));
    }
    for (const auto sentence : newline_sentences(prediction)) {
      prediction_sents.push_back(interner.intern(tokenize(sentence)));
    }
  }
  std::vector<RougeTriple> out;
  out.reserve(types_.size());
  for (const RougeType& type : types_) {
    switch (type.kind) {
      case RougeType::Kind::NGram:
        out.push_back(score_ngrams(target_ids, prediction_ids, type.n));
        break;
      case RougeType::Kind::Lcs:
        out.push_back(score_lcs(target_ids, prediction_ids));
        break;
      case RougeType::Kind::LcsSum:
        out.push_back(score_summary_lcs(target_sents, prediction_sents, interner.size()));
        break;
    }
  }
  return out;
}

std::vector<RougeTriple> RougeScorer::score_multi(const std::vector<std::string>& targets,
                                                  std::string_view prediction) const {
  if (targets.empty()) throw Error("rouge: score_multi needs at least one target");
  std::vector<RougeTriple> best = score(targets[0], prediction);
  for (std::size_t r = 1; r < targets.size(); ++r) {
    const std::vector<RougeTriple> scores = score(targets[r], prediction);
    for (std::size_t k = 0; k < best.size(); ++k) {
      if (scores[k].fmeasure > best[k].fmeasure) best[k] = scores[k];
    }
  }
  return best;
}

RougeMetric::RougeMetric(std::string_view type, bool use_stemmer)
    : scorer_({RougeType::parse(type)}, use_stemmer) {}

std::string RougeMetric::name() const {
  return scorer_.types().front().name;
}

std::string RougeMetric::signature() const {
  std::string sig = "type:" + name() + "|stem:" + (scorer_.use_stemmer() ? "yes" : "no");
  if (scorer_.use_stemmer()) sig += "|porter:nltk_extensions";
  if (scorer_.types().front().kind == RougeType::Kind::LcsSum) sig += "|split:newline";
  sig += "|multiref:max_f|version:rouge_score-0.1.2";
  return sig;
}

TextScore RougeMetric::sentence(std::string_view candidate,
                                const std::vector<std::string>& references) const {
  const RougeTriple t = scorer_.score_multi(references, candidate).front();
  TextScore out;
  out.score = t.fmeasure;
  out.parts = {{"precision", t.precision}, {"recall", t.recall}, {"fmeasure", t.fmeasure}};
  return out;
}

namespace {
std::unique_ptr<TextMetric> make_rouge(std::string_view type, const MetricOptions& options) {
  return std::make_unique<RougeMetric>(type, options.get_bool("stem", false));
}
}  // namespace

std::unique_ptr<TextMetric> make_rouge1(const MetricOptions& options) {
  return make_rouge("rouge1", options);
}
std::unique_ptr<TextMetric> make_rouge2(const MetricOptions& options) {
  return make_rouge("rouge2", options);
}
std::unique_ptr<TextMetric> make_rouge_l(const MetricOptions& options) {
  return make_rouge("rougeL", options);
}
std::unique_ptr<TextMetric> make_rouge_lsum(const MetricOptions& options) {
  return make_rouge("rougeLsum", options);
}

}  // namespace reasonrec::eval
