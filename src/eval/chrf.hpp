#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eval/metric_options.hpp"
#include "eval/text_metric.hpp"

namespace reasonrec::eval {

struct ChrfOptions {
  int char_order = 6;
  int word_order = 0;  // 2 makes chrF++
  int beta = 2;
  bool lowercase = false;
  bool whitespace = false;     // count whitespace characters (sacreBLEU's default: no)
  bool eps_smoothing = false;  // chrF++.py-style smoothing instead of effective order
  double scale = 100.0;        // 100: sacreBLEU's 0-100 scale; 1: 0-1
};

// chrF and chrF++ exactly as sacreBLEU 2.6.0's CHRF: character n-grams over code points with
// whitespace removed (Python str.split() semantics), word n-grams after sacreBLEU's
// punctuation splitting, F-beta of the precision and recall averaged over the orders that
// occur, and with several references the statistics of the first best-scoring one.
class Chrf final : public TextMetric {
 public:
  explicit Chrf(ChrfOptions options = {});

  std::string name() const override { return options_.word_order > 0 ? "chrf++" : "chrf"; }
  // e.g. "nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0".
  std::string signature() const override;
  std::string signature_for(ScoreLevel level,
                            const std::vector<std::vector<std::string>>& references) const override;

  TextScore sentence(std::string_view candidate,
                     const std::vector<std::string>& references) const override;
  TextScore corpus(const std::vector<std::string>& candidates,
                   const std::vector<std::vector<std::string>>& references) const override;

  // [hyp, ref, match] counts for each char order then each word order, of the best
  // reference. Empty references are skipped; none left throws Error.
  std::vector<std::int64_t> statistics(std::string_view candidate,
                                       const std::vector<std::string>& references) const;
  // sacreBLEU's CHRF._compute_f_score, on the 0-100 scale.
  double f_score(const std::vector<std::int64_t>& statistics) const;

  const ChrfOptions& options() const { return options_; }

 private:
  std::string format_signature(const std::string& nrefs) const;

  ChrfOptions options_;
};

// Factory entries. Options: char_order, word_order, beta, lowercase, whitespace,
// eps_smoothing, scale=100|1. "chrf" defaults to word_order=0, "chrf++" to 2.
std::unique_ptr<TextMetric> make_chrf(const MetricOptions& options);
std::unique_ptr<TextMetric> make_chrf_plus_plus(const MetricOptions& options);

}  // namespace reasonrec::eval
