#include "engine/bertscore_columns.hpp"

#include <filesystem>

#include "engine/bertscore_embedder.hpp"
#include "engine/text_encoder.hpp"
#include "eval/bertscore.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

EncoderBertScoreColumns::EncoderBertScoreColumns() = default;
EncoderBertScoreColumns::~EncoderBertScoreColumns() = default;

void EncoderBertScoreColumns::append(const eval::MetricSpec& spec,
                                     const eval::BertScoreSettings& settings,
                                     const std::vector<eval::TextPair>& pairs,
                                     eval::TextScoringResult& result) {
  int layer = static_cast<int>(spec.options.get_int("layer", settings.layer));
  const std::string baseline = spec.options.get_string("baseline", settings.baseline);
  eval::BertScoreOptions options;
  options.idf = spec.options.get_bool("idf", settings.idf);
  spec.options.require_all_used("bertscore");
  if (!encoder_ || directory_ != settings.encoder) {
    encoder_ = std::make_unique<TextEncoder>(TextEncoder::open(settings.encoder));
    directory_ = settings.encoder;
  }
  if (layer < 0) {
    const auto known = bertscore_default_layer(encoder_->model_name());
    if (!known) {
      throw UsageError("bertscore: give --layer N for " + encoder_->model_name() +
                       " (bert_score's default layers are known only for its named models, "
                       "e.g. roberta-large: 17)");
    }
    layer = *known;
  }
  if (!baseline.empty()) {
    options.baseline = eval::read_bertscore_baseline(baseline, layer);
    options.baseline_name = std::filesystem::path(baseline).filename().string();
  }
  const EncoderTokenEmbedder embedder(*encoder_, layer);
  const eval::BertScorer scorer(embedder, options);
  Progress progress(ProgressOptions{"bertscore", pairs.size(), "pairs"});
  eval::append_bertscore(result, spec.label, scorer, pairs, &progress);
  progress.finish();
}

}  // namespace reasonrec::engine
