#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eval/text_pairs.hpp"
#include "eval/text_scoring.hpp"

namespace reasonrec {
class Progress;
}

// BERTScore exactly as bert_score 0.3.13 computes it (bert_score.score with one layer):
// greedy matching of contextual token embeddings by cosine similarity, idf weights from the
// references, maximum over references, optional baseline rescaling. The encoder comes in
// through TokenEmbedder, so this concern builds without libtorch; the engine's TextEncoder
// provides one (engine/bertscore_embedder.hpp).
namespace reasonrec::eval {

// One text as a contextual encoder sees it: its token ids and one embedding row per token.
struct TokenEmbeddings {
  std::vector<std::int32_t> ids;
  std::vector<float> values;  // ids.size() rows of `dim` floats, row-major
  std::size_t dim = 0;

  std::span<const float> row(std::size_t i) const { return {values.data() + i * dim, dim}; }
};

// What BERTScore needs from an encoder.
class TokenEmbedder {
 public:
  virtual ~TokenEmbedder() = default;
  // bert_score's sent_encode of an already stripped text: special tokens added (an empty
  // text is only [CLS] [SEP] / <s> </s>), a space prefixed for byte-level BPE models,
  // truncated to the model's maximum length.
  virtual std::vector<std::int32_t> tokenize(std::string_view stripped_text) const = 0;
  // The chosen layer's hidden states of each token sequence (from tokenize()).
  virtual std::vector<TokenEmbeddings> embed(
      const std::vector<std::vector<std::int32_t>>& sequences) const = 0;
  // Tokens weighted 0 when idf is off: the tokenizer's sep and cls tokens, as bert_score.
  virtual std::vector<std::int32_t> zero_weight_ids() const = 0;
  // Names the model and the layer in signatures (e.g. "roberta-large", 17).
  virtual std::string model_name() const = 0;
  virtual int layer() const = 0;
};

struct BertScoreTriple {
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
};

// The baseline of one layer: row `layer` (0-based, after the header) of bert_score's
// rescale_baseline CSV ("LAYER,P,R,F"), as pandas' read_csv(...).iloc[layer] reads it.
// Throws InputError naming the file and line.
BertScoreTriple read_bertscore_baseline(const std::filesystem::path& file, int layer);

// bert_score's idf: log((M + 1) / (df(w) + 1)) over the M references (each reference one
// document, duplicates included); tokens never seen weigh log(M + 1). Without idf every token
// weighs 1 except zero_weight_ids().
class TokenWeights {
 public:
  static TokenWeights uniform(std::span<const std::int32_t> zero_weight_ids);
  static TokenWeights idf(const std::vector<std::vector<std::int32_t>>& tokenized_references);

  double weight(std::int32_t id) const;

 private:
  std::unordered_map<std::int32_t, double> weights_;
  double default_weight_ = 1.0;
};

// bert_score's greedy_cos_idf for one pair: cosine similarities of unit-normalised rows,
// each candidate token's best reference match weighted by its normalised weight (precision),
// and the reverse (recall); F1 = 2PR / (P + R), NaN -> 0. A side of exactly two tokens (an
// empty text) sets P and R to 0. `candidate_floor` / `reference_floor`: bert_score pads each
// batch of pairs with zero similarities, so a token's best match is at least 0 when the
// other side is shorter than the longest in its batch.
BertScoreTriple greedy_cosine_match(const TokenEmbeddings& candidate,
                                    std::span<const double> candidate_weights,
                                    const TokenEmbeddings& reference,
                                    std::span<const double> reference_weights,
                                    bool reference_padded = false, bool candidate_padded = false);

struct BertScoreOptions {
  bool idf = false;
  std::optional<BertScoreTriple> baseline;  // rescale (x - b) / (1 - b) when set
  std::string baseline_name;                // recorded in the signature ("custom" file)
  // bert_score's batch of pairs (64): only decides the zero-padding floor above.
  std::size_t batch_size = 64;
  // Pairs whose texts are embedded together (memory bound, not a result change).
  std::size_t chunk_pairs = 512;
};

class BertScorer {
 public:
  BertScorer(const TokenEmbedder& embedder, BertScoreOptions options);

  // As bert_score.score(candidates, references): one result per candidate; with several
  // references, the maximum of each of P, R and F separately (bert_score's
  // all_preds[beg:end].max(dim=0)), then baseline rescaling.
  std::vector<BertScoreTriple> score(const std::vector<std::string>& candidates,
                                     const std::vector<std::vector<std::string>>& references,
                                     Progress* progress = nullptr) const;

  // sacreBLEU-style settings, e.g.
  // "model:roberta-large|layer:17|idf:no|rescale:no|multiref:max_each|version:bert_score-0.3.13"
  std::string signature() const;
  // bert_score's own hash string (get_hash), e.g. "roberta-large_L17_no-idf_version=0.3.13
  // (reasonrec)"; "-rescaled"/"-custom-rescaled" appended when rescaling.
  std::string hash() const;

 private:
  const TokenEmbedder& embedder_;
  BertScoreOptions options_;
};

// Scores every pair with BERTScore and appends it to `result` as one more metric under
// `label` (per-pair score = F1 with precision/recall/f1 parts; corpus = the means, as
// bert_score's command line prints them). BERTScore is scored apart from the other metrics
// because idf needs the whole reference set.
void append_bertscore(TextScoringResult& result, const std::string& label, const BertScorer& scorer,
                      const std::vector<TextPair>& pairs, Progress* progress = nullptr);

}  // namespace reasonrec::eval
