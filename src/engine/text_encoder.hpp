#pragma once

// A BERT / RoBERTa / XLM-RoBERTa encoder behind a torch-free interface: token ids in, the
// hidden states of any layer out (for BERTScore and embeddings). Safe to include anywhere.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::engine {

class Tokenizer;
struct PairEncoding;

class TextEncoder {
 public:
  // config.json + weights (InputError naming the file and tensor), and the tokenizer when the
  // directory has one (tokenizer.json, ...). Sets libtorch to one intra-op thread.
  static TextEncoder open(const std::filesystem::path& dir);

  TextEncoder(TextEncoder&&) noexcept;
  TextEncoder& operator=(TextEncoder&&) noexcept;
  ~TextEncoder();

  const std::filesystem::path& dir() const;
  // config.json's model_type: bert, roberta, xlm-roberta, camembert.
  const std::string& model_type() const;
  // The directory's name, as bert_score names a model in its hash (e.g. "roberta-large").
  std::string model_name() const;
  int num_layers() const;
  int hidden_size() const;
  // The longest input in tokens, special tokens included: tokenizer_config.json's
  // model_max_length when set, never beyond what the position table allows.
  std::int64_t max_length() const;

  bool has_tokenizer() const;
  // UsageError when the directory has no tokenizer.
  const Tokenizer& tokenizer() const;
  // The tokenizer's cls and sep tokens (tokenizer_config.json / special_tokens_map.json, else
  // [CLS] [SEP] or <s> </s> when the vocabulary has them).
  std::optional<std::int32_t> cls_id() const;
  std::optional<std::int32_t> sep_id() const;

  // As bert_score's sent_encode: strips nothing (the caller does), an empty text is
  // [cls, sep], RoBERTa's byte-level BPE gets a leading space (add_prefix_space), special
  // tokens are added and the ids truncated to max_length() keeping the final sep.
  std::vector<std::int32_t> encode_sentence(std::string_view text) const;

  // A sentence pair as transformers' tokenizer(first, second) encodes it: each text without
  // special tokens, joined by the tokenizer's pair template (BERT: [CLS] A [SEP] B [SEP] with
  // token types 0 for [CLS] A [SEP] and 1 for B [SEP]; RoBERTa: <s> A </s></s> B </s>, all 0).
  // Without a template in tokenizer.json, that layout from cls_id() and sep_id(). Longer than
  // max_length(), the longer text loses its last tokens first (truncation "longest_first").
  PairEncoding encode_pair(std::string_view first, std::string_view second) const;

  // Hidden states of `layer` (0 = embedding output, num_layers() = last) for each sequence:
  // result[i] holds sequences[i].size() rows of hidden_size() floats. Sequences are padded
  // together in batches of `batch_size`; the result does not depend on the batching.
  // `token_types[i]`, when given, holds the token type (segment) id of every token of
  // sequences[i] (transformers' token_type_ids, e.g. PairEncoding::type_ids); else all 0.
  std::vector<std::vector<float>> hidden_states(
      const std::vector<std::vector<std::int32_t>>& sequences, int layer,
      std::size_t batch_size = 64,
      const std::vector<std::vector<std::int32_t>>& token_types = {}) const;

  // Every layer: result[i][l] for sequence i and layer l = 0..num_layers().
  std::vector<std::vector<std::vector<float>>> all_hidden_states(
      const std::vector<std::vector<std::int32_t>>& sequences, std::size_t batch_size = 64,
      const std::vector<std::vector<std::int32_t>>& token_types = {}) const;

 private:
  struct Impl;
  explicit TextEncoder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace reasonrec::engine
