#pragma once

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "engine/tokenizer/added_vocabulary.hpp"
#include "engine/tokenizer/decoder.hpp"
#include "engine/tokenizer/model.hpp"
#include "engine/tokenizer/normalizer.hpp"
#include "engine/tokenizer/post_processor.hpp"
#include "engine/tokenizer/pre_tokenizer.hpp"
#include "engine/tokenizer/special_tokens.hpp"
#include "engine/tokenizer/tokenizer.hpp"

namespace reasonrec::engine {

// A Hugging Face tokenizer.json pipeline: added tokens, normalizer, pre-tokenizer, model,
// post-processor (single sequences) and decoder.
class JsonTokenizer final : public Tokenizer {
 public:
  // `source` names the file in errors. Throws InputError(source, 0, ...) on bad input.
  static std::unique_ptr<JsonTokenizer> from_string(std::string_view json_text,
                                                    const std::string& source,
                                                    const SpecialTokenConfig& special = {});
  static std::unique_ptr<JsonTokenizer> from_file(const std::filesystem::path& path,
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
  std::optional<PairEncoding> join_pair(std::span<const std::int32_t> first,
                                        std::span<const std::int32_t> second) const override;

 private:
  JsonTokenizer() = default;
  void load(const nlohmann::json& root, const SpecialTokenConfig& special);
  std::vector<std::string> decode_chain(std::vector<std::string> tokens,
                                        const DecodeMode& mode) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  std::unique_ptr<Model> model_;
  std::unique_ptr<Decoder> decoder_;
  SpecialWrap wrap_;
  std::optional<PairTemplate> pair_;
  AddedVocabulary added_;
  bool clean_up_spaces_ = false;
  std::optional<std::int32_t> bos_, eos_, pad_;
};

}  // namespace reasonrec::engine
