#include "eval/text_metrics.hpp"

#include "eval/bleu_nltk.hpp"
#include "eval/bleu_sacre.hpp"
#include "eval/chrf.hpp"
#include "eval/meteor.hpp"
#include "eval/rouge.hpp"
#include "util/error.hpp"

namespace reasonrec::eval {

const std::vector<TextMetricEntry>& text_metric_registry() {
  static const std::vector<TextMetricEntry> entries = {
      {"bleu", "BLEU as sacreBLEU 2.6.0 (0-100; 13a, exp smoothing)", &make_sacre_bleu},
      {"bleu-nltk", "BLEU as NLTK 3.8 sentence_bleu/corpus_bleu (0-1; str.split tokens)",
       &make_nltk_bleu},
      {"chrf", "chrF as sacreBLEU 2.6.0 (0-100; char order 6, beta 2)", &make_chrf},
      {"chrf++", "chrF++ as sacreBLEU 2.6.0 (0-100; chrF plus word bigrams)", &make_chrf_plus_plus},
      {"rouge1", "ROUGE-1 F as rouge-score 0.1.2 (0-1; stem=yes for Porter)", &make_rouge1},
      {"rouge2", "ROUGE-2 F as rouge-score 0.1.2 (0-1; stem=yes for Porter)", &make_rouge2},
      {"rougeL", "ROUGE-L F as rouge-score 0.1.2 (0-1; stem=yes for Porter)", &make_rouge_l},
      {"rougeLsum", "ROUGE-Lsum F as rouge-score 0.1.2 (0-1; lines are sentences)",
       &make_rouge_lsum},
      {"meteor", "METEOR as NLTK 3.8 meteor_score (0-1; WordNet 3.0, word_tokenize)", &make_meteor},
  };
  return entries;
}

std::unique_ptr<TextMetric> make_text_metric(std::string_view name, const MetricOptions& options) {
  for (const TextMetricEntry& entry : text_metric_registry()) {
    if (entry.name != name) continue;
    std::unique_ptr<TextMetric> metric = entry.make(options);
    options.require_all_used(name);
    return metric;
  }
  std::string known;
  for (const TextMetricEntry& entry : text_metric_registry()) {
    known += known.empty() ? "" : ", ";
    known += entry.name;
  }
  throw UsageError("unknown text metric '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace reasonrec::eval
