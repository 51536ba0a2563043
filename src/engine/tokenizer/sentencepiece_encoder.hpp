#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/tokenizer/precompiled_charsmap.hpp"
#include "engine/tokenizer/sentencepiece_model.hpp"

namespace reasonrec::engine {

// A byte trie over pieces, enumerating every piece that is a prefix of a text.
class PieceTrie {
 public:
  PieceTrie() : nodes_(1) {}
  void insert(std::string_view key, std::int32_t id);
  // Calls fn(length, id) for every piece that is a prefix of text, shortest first.
  template <typename Fn>
  void for_each_prefix(std::string_view text, Fn&& fn) const {
    std::size_t node = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      node = child(node, static_cast<unsigned char>(text[i]));
      if (node == 0) return;
      if (nodes_[node].id >= 0) fn(i + 1, nodes_[node].id);
    }
  }
  bool empty() const { return nodes_.size() == 1; }

 private:
  std::size_t child(std::size_t node, unsigned char byte) const;  // 0 when absent
  struct Node {
    std::vector<std::pair<unsigned char, std::uint32_t>> children;  // sorted by byte
    std::int32_t id = -1;
  };
  std::vector<Node> nodes_;
};

// libsentencepiece's encoder (0.1.97): its normalizer (precompiled charsmap, whitespace
// handling, user-defined symbols passed through), the Unigram (Viterbi in float) or BPE
// (highest-scoring pair first, ties to the leftmost) model, then byte fallback or fusing
// of adjacent unknowns. Control pieces are never produced from text.
class SentencePieceEncoder {
 public:
  explicit SentencePieceEncoder(const SentencePieceModelProto& model);  // throws Error

  std::vector<std::int32_t> encode(std::string_view text) const;
  std::string normalize(std::string_view text) const;
  // libsentencepiece's PieceToId: reserved (control, unknown, byte) pieces first, then the
  // rest; unk_id when absent.
  std::int32_t piece_to_id(std::string_view piece) const;
  std::optional<std::int32_t> find(std::string_view piece) const;
  std::int32_t unk_id() const { return unk_id_; }

 private:
  using Segment = std::pair<std::string_view, std::int32_t>;     // surface, id
  std::size_t user_defined_prefix(std::string_view text) const;  // 0 when none matches
  std::vector<Segment> encode_unigram(std::string_view normalized) const;
  std::vector<Segment> encode_bpe(std::string_view normalized) const;

  const SentencePieceModelProto* model_;
  std::unordered_map<std::string_view, std::int32_t> pieces_;    // normal, user-defined, unused
  std::unordered_map<std::string_view, std::int32_t> reserved_;  // control, unknown, byte
  std::optional<PrecompiledCharsmap> charsmap_;
  PieceTrie trie_;          // pieces_, for Unigram
  PieceTrie user_defined_;  // user-defined symbols, matched before anything else
  std::int32_t unk_id_ = 0;
  float min_score_ = 0, max_score_ = 0;
};

}  // namespace reasonrec::engine
