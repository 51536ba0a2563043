#pragma once

#include <filesystem>
#include <memory>
#include <optional>

#include "engine/tokenizer/sentencepiece_encoder.hpp"
#include "engine/tokenizer/sentencepiece_model.hpp"
#include "engine/tokenizer/special_tokens.hpp"
#include "engine/tokenizer/tokenizer.hpp"

namespace reasonrec::engine {

// A SentencePiece .model file, read and run without libsentencepiece (whose embedded
// protobuf clashes with libtorch's), with the same ids and decoded text. With
// add_special_tokens, encode prepends bos when the model has one (Llama), else appends eos
// (T5); tokenizer_config.json's add_bos_token / add_eos_token override that.
class SentencePieceTokenizer final : public Tokenizer {
 public:
  static std::unique_ptr<SentencePieceTokenizer> from_file(const std::filesystem::path& path,
                                                           const SpecialTokenConfig& special = {});
  // `source` names the model in errors.
  static std::unique_ptr<SentencePieceTokenizer> from_bytes(std::string_view bytes,
                                                            const std::string& source,
                                                            const SpecialTokenConfig& special = {});

  std::vector<std::int32_t> encode(std::string_view text,
                                   bool add_special_tokens = true) const override;
  std::string decode(std::span<const std::int32_t> ids,
                     bool skip_special_tokens = true) const override;
  std::int32_t vocab_size() const override;
  std::optional<std::int32_t> token_to_id(std::string_view token) const override;
  std::string id_to_token(std::int32_t id) const override;
  std::string token_bytes(std::int32_t id) const override;
  bool is_special(std::int32_t id) const override;
  std::optional<std::int32_t> bos_id() const override { return bos_; }
  std::optional<std::int32_t> eos_id() const override { return eos_; }
  std::optional<std::int32_t> pad_id() const override { return pad_; }

 private:
  SentencePieceTokenizer(SentencePieceModelProto model, const std::string& source);
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;
  bool valid_id(std::int32_t id) const { return id >= 0 && id < vocab_size(); }
  SentencePieceModelProto::PieceType type(std::int32_t id) const;
  std::optional<std::int32_t> piece_id(const std::string& piece,
                                       SentencePieceModelProto::PieceType type) const;
  void decode_run(std::span<const std::int32_t> run, std::string& text) const;

  SentencePieceModelProto model_;
  SentencePieceEncoder encoder_;  // refers to model_
  std::optional<std::int32_t> bos_, eos_, pad_;
  bool add_bos_ = false, add_eos_ = false;
};

}  // namespace reasonrec::engine
