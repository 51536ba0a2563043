#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::eval {

// A score with its named components (e.g. "precision", "recall", "f" for ROUGE;
// "bp", "p1".."p4" for BLEU). `score` is the headline number on the metric's native scale.
struct TextScore {
  double score = 0.0;
  std::map<std::string, double> parts;
};

// Which kind of result a signature describes (sacreBLEU's differ, e.g. in effective order).
enum class ScoreLevel { sentence, corpus };

// A reference-based text metric. Each implementation reproduces one named reference
// implementation exactly (sacreBLEU, rouge-score, NLTK, bert_score) and says which in its
// signature, together with every setting that changes the number.
class TextMetric {
 public:
  virtual ~TextMetric() = default;

  virtual std::string name() const = 0;
  // Settings string in the style of sacreBLEU's, e.g.
  // "nrefs:1|case:mixed|tok:13a|smooth:exp|version:2.6.0".
  virtual std::string signature() const = 0;
  // The signature of the settings behind sentence() or corpus() results over these
  // references. Metrics whose signature depends on the data (sacreBLEU's nrefs) or on the
  // level override it; the default is signature().
  virtual std::string signature_for(
      ScoreLevel /*level*/, const std::vector<std::vector<std::string>>& /*references*/) const {
    return signature();
  }

  // One candidate against its references (at least one).
  virtual TextScore sentence(std::string_view candidate,
                             const std::vector<std::string>& references) const = 0;

  // A whole corpus: references[i] are the references of candidates[i]. Metrics with a native
  // corpus form (BLEU, chrF) override this; the default is the mean of sentence scores.
  virtual TextScore corpus(const std::vector<std::string>& candidates,
                           const std::vector<std::vector<std::string>>& references) const;
};

}  // namespace reasonrec::eval
