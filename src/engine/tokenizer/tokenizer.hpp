#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::engine {

// A sentence pair joined as the tokenizer's post-processor joins pairs: the ids and the token
// type (segment) id of each, as transformers' input_ids and token_type_ids.
struct PairEncoding {
  std::vector<std::int32_t> ids;
  std::vector<std::int32_t> type_ids;
};

// Text <-> token ids for one model. Implementations are immutable after loading, so one
// instance may be shared by threads.
class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Invalid UTF-8 in `text` is replaced by U+FFFD before tokenizing.
  virtual std::vector<std::int32_t> encode(std::string_view text,
                                           bool add_special_tokens = true) const = 0;
  virtual std::string decode(std::span<const std::int32_t> ids,
                             bool skip_special_tokens = true) const = 0;
  virtual std::int32_t vocab_size() const = 0;
  virtual std::optional<std::int32_t> token_to_id(std::string_view token) const = 0;
  virtual std::string id_to_token(std::int32_t id) const = 0;
  // The raw bytes this token adds to decoded text in the middle of a sequence (byte-level
  // tokens may be partial UTF-8; sentencepiece "▁" is a space). For streaming, stop strings
  // and output constraints.
  virtual std::string token_bytes(std::int32_t id) const = 0;
  virtual bool is_special(std::int32_t id) const = 0;
  virtual std::optional<std::int32_t> bos_id() const = 0;
  virtual std::optional<std::int32_t> eos_id() const = 0;
  virtual std::optional<std::int32_t> pad_id() const = 0;
  // Two sequences encoded without special tokens, joined by the tokenizer's pair template
  // (tokenizer.json's post_processor); nullopt when the tokenizer has none.
  virtual std::optional<PairEncoding> join_pair(std::span<const std::int32_t> /*first*/,
                                                std::span<const std::int32_t> /*second*/) const {
    return std::nullopt;
  }
};

// tokenizer.json (+ tokenizer_config.json / special_tokens_map.json), else a SentencePiece
// tokenizer.model / spiece.model. Throws InputError naming the file on bad input.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& model_dir);

}  // namespace reasonrec::engine
