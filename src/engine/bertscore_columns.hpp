#pragma once

#include <memory>
#include <string>
#include <vector>

#include "eval/text_score_job.hpp"

namespace reasonrec::engine {

class TextEncoder;

// BERTScore columns computed with the engine's TextEncoder. The encoder directory is opened on
// first use and kept for later columns of the same directory.
class EncoderBertScoreColumns final : public eval::BertScoreColumns {
 public:
  EncoderBertScoreColumns();
  ~EncoderBertScoreColumns() override;
  EncoderBertScoreColumns(const EncoderBertScoreColumns&) = delete;
  EncoderBertScoreColumns& operator=(const EncoderBertScoreColumns&) = delete;

  void append(const eval::MetricSpec& spec, const eval::BertScoreSettings& settings,
              const std::vector<eval::TextPair>& pairs, eval::TextScoringResult& result) override;

 private:
  std::string directory_;
  std::unique_ptr<TextEncoder> encoder_;
};

}  // namespace reasonrec::engine
