#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace reasonrec::engine {

// The special-token ids a tokenizer.json "post_processor" wraps a single sequence in.
struct SpecialWrap {
  std::vector<std::int32_t> before;
  std::vector<std::int32_t> after;
};

// Empty for null, ByteLevel and processors that add nothing. Throws Error on unknown types.
SpecialWrap make_post_processor(const nlohmann::json& config);

// How a post-processor joins a sentence pair: pieces in order, each special ids or one of the
// two sequences, with its token type (segment) id.
struct PairTemplate {
  struct Piece {
    int sequence = -1;  // 0: the first sequence (A), 1: the second (B), -1: `ids`
    std::vector<std::int32_t> ids;
    std::int32_t type_id = 0;
  };
  std::vector<Piece> pieces;

  // The joined ids and the type id of each.
  void join(std::span<const std::int32_t> first, std::span<const std::int32_t> second,
            std::vector<std::int32_t>& ids, std::vector<std::int32_t>& type_ids) const;
};

// TemplateProcessing's "pair"; BertProcessing: [CLS] A [SEP] B [SEP] with types 0 then 1;
// RobertaProcessing: <s> A </s></s> B </s>, all type 0 (as transformers' RoBERTa tokenizers
// give); the first of a Sequence's processors that has one. nullopt for the rest.
std::optional<PairTemplate> make_pair_template(const nlohmann::json& config);

}  // namespace reasonrec::engine
