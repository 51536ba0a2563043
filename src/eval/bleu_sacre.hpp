#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/metric_options.hpp"
#include "eval/text_metric.hpp"

namespace reasonrec::eval {

inline constexpr std::string_view kSacreBleuVersion = "2.6.0";

enum class BleuTokenizer { thirteen_a, none };
enum class BleuSmoothing { none, floor, add_k, exp };

struct SacreBleuOptions {
  BleuTokenizer tokenizer = BleuTokenizer::thirteen_a;
  bool lowercase = false;
  BleuSmoothing smoothing = BleuSmoothing::exp;
  std::optional<double> smooth_value;  // unset: sacreBLEU's defaults, floor 0.1 and add-k 1
  int max_ngram_order = 4;
  // Unset: what sacreBLEU's functions do, effective order for sentence_bleu() and not for
  // corpus_bleu(). Set: that choice at both levels, like BLEU(effective_order=...).
  std::optional<bool> effective_order;
  // 100 reports on sacreBLEU's 0-100 scale; 1 on 0-1 (BLEU, precisions; bp is always 0-1).
  double scale = 100.0;
};

// sacreBLEU's sufficient statistics of one segment, or their sums over a corpus.
struct BleuStatistics {
  std::int64_t sys_len = 0;
  std::int64_t ref_len = 0;
  std::vector<std::int64_t> correct;  // per n-gram order
  std::vector<std::int64_t> total;

  BleuStatistics& operator+=(const BleuStatistics& other);
};

// A BLEU result on sacreBLEU's own scale (score and precisions 0-100).
struct BleuResult {
  double score = 0.0;
  double bp = 0.0;
  std::vector<double> precisions;
  std::vector<double> counts;  // after add-k smoothing, as sacreBLEU reports them
  std::vector<double> totals;
  std::int64_t sys_len = 0;
  std::int64_t ref_len = 0;
};

// sacreBLEU's BLEU.compute_bleu(): brevity penalty, smoothed precisions and their geometric
// mean (over the effective order when asked).
BleuResult compute_sacre_bleu(const BleuStatistics& stats, BleuSmoothing smoothing,
                              std::optional<double> smooth_value, bool effective_order,
                              int max_ngram_order);

// BLEU exactly as sacreBLEU 2.6.0 computes it from raw strings.
class SacreBleu final : public TextMetric {
 public:
  explicit SacreBleu(SacreBleuOptions options = {});

  std::string name() const override { return "bleu"; }
  // The sentence-level signature with one reference, e.g.
  // "nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0".
  std::string signature() const override;
  std::string signature_for(ScoreLevel level,
                            const std::vector<std::vector<std::string>>& references) const override;

  // Parts: bp, p1..pN, sys_len, ref_len, counts1..N, totals1..N.
  TextScore sentence(std::string_view candidate,
                     const std::vector<std::string>& references) const override;
  TextScore corpus(const std::vector<std::string>& candidates,
                   const std::vector<std::vector<std::string>>& references) const override;

  // The segment as sacreBLEU scores it: lowercased if asked, rstrip()ped, tokenized.
  std::string preprocess(std::string_view text) const;
  // Statistics of one candidate; empty references are skipped as sacreBLEU does, and a
  // candidate left with none throws Error.
  BleuStatistics statistics(std::string_view candidate,
                            const std::vector<std::string>& references) const;
  BleuResult sentence_result(std::string_view candidate,
                             const std::vector<std::string>& references) const;
  BleuResult corpus_result(const std::vector<std::string>& candidates,
                           const std::vector<std::vector<std::string>>& references) const;

  const SacreBleuOptions& options() const { return options_; }

 private:
  bool effective_order_at(ScoreLevel level) const;
  std::string format_signature(const std::string& nrefs, bool effective_order) const;
  TextScore to_text_score(const BleuResult& result) const;

  SacreBleuOptions options_;
};

// sacreBLEU's nrefs field: the number of non-empty references per candidate, or "var".
std::string sacre_nrefs(const std::vector<std::vector<std::string>>& references);

// Factory entry. Options: tokenize=13a|none, lowercase=yes|no, smooth=exp|floor|add-k|none,
// smooth_value=X, max_ngram_order=N, effective_order=auto|yes|no, scale=100|1.
std::unique_ptr<TextMetric> make_sacre_bleu(const MetricOptions& options);

}  // namespace reasonrec::eval
