#pragma once

// BERTScore's view of a TextEncoder (header-only, torch-free): bert_score's tokenization and
// one layer's hidden states.

#include <string>
#include <utility>
#include <vector>

#include "engine/text_encoder.hpp"
#include "eval/bertscore.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

class EncoderTokenEmbedder final : public eval::TokenEmbedder {
 public:
  // `layer`: the hidden state bert_score's num_layers names (0 = embeddings).
  EncoderTokenEmbedder(const TextEncoder& encoder, int layer, std::size_t batch_size = 64)
      : encoder_(encoder), layer_(layer), batch_size_(batch_size) {
    if (layer < 0 || layer > encoder.num_layers()) {
      throw UsageError("--layer " + std::to_string(layer) +
                       " is out of range: " + encoder.model_name() + " has layers 0.." +
                       std::to_string(encoder.num_layers()));
    }
  }

  std::vector<std::int32_t> tokenize(std::string_view stripped_text) const override {
    return encoder_.encode_sentence(stripped_text);
  }

  std::vector<eval::TokenEmbeddings> embed(
      const std::vector<std::vector<std::int32_t>>& sequences) const override {
    std::vector<std::vector<float>> hidden = encoder_.hidden_states(sequences, layer_, batch_size_);
    std::vector<eval::TokenEmbeddings> out(sequences.size());
    for (std::size_t i = 0; i < sequences.size(); ++i) {
      out[i].ids = sequences[i];
      out[i].values = std::move(hidden[i]);
      out[i].dim = static_cast<std::size_t>(encoder_.hidden_size());
    }
    return out;
  }

  std::vector<std::int32_t> zero_weight_ids() const override {
    std::vector<std::int32_t> ids;
    if (const auto sep = encoder_.sep_id()) ids.push_back(*sep);
    if (const auto cls = encoder_.cls_id()) ids.push_back(*cls);
    return ids;
  }

  std::string model_name() const override { return encoder_.model_name(); }
  int layer() const override { return layer_; }

 private:
  const TextEncoder& encoder_;
  int layer_;
  std::size_t batch_size_;
};

// bert_score's default layer for well-known model names (its model2layers table), by the
// directory name; nullopt for others (the user must choose).
inline std::optional<int> bertscore_default_layer(const std::string& model_name) {
  static const std::pair<const char*, int> table[] = {
      {"bert-base-uncased", 9},  {"bert-large-uncased", 18},
      {"bert-base-cased", 9},    {"bert-base-multilingual-cased", 9},
      {"bert-base-chinese", 8},  {"roberta-base", 10},
      {"roberta-large", 17},     {"roberta-large-mnli", 19},
      {"distilroberta-base", 5}, {"xlm-roberta-base", 9},
      {"xlm-roberta-large", 17}, {"bert-base-cased-finetuned-mrpc", 9},
  };
  for (const auto& [name, layer] : table) {
    if (model_name == name) return layer;
  }
  return std::nullopt;
}

}  // namespace reasonrec::engine
