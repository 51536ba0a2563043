#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

#include "engine/tokenizer/json_fields.hpp"
#include "engine/tokenizer/model.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

namespace jf = json_fields;

// A byte trie over the pieces, for enumerating every piece that starts at a position.
class PieceTrie {
 public:
  PieceTrie() : nodes_(1) {}
  void insert(std::string_view key, std::int32_t id) {
    std::size_t node = 0;
    for (const char c : key) {
      const auto byte = static_cast<unsigned char>(c);
      auto& children = nodes_[node].children;
      auto it =
          std::lower_bound(children.begin(), children.end(), byte,
                           [](const auto& child, unsigned char b) { return child.first < b; });
      if (it == children.end() || it->first != byte) {
        const auto next = static_cast<std::int32_t>(nodes_.size());
        it = children.insert(it, {byte, next});
        nodes_.emplace_back();
      }
      node = static_cast<std::size_t>(it->second);
    }
    nodes_[node].id = id;
  }
  // Calls fn(length, id) for every piece that is a prefix of text, shortest first.
  template <typename Fn>
  void for_each_prefix(std::string_view text, Fn&& fn) const {
    std::size_t node = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const auto byte = static_cast<unsigned char>(text[i]);
      const auto& children = nodes_[node].children;
      const auto it =
          std::lower_bound(children.begin(), children.end(), byte,
                           [](const auto& child, unsigned char b) { return child.first < b; });
      if (it == children.end() || it->first != byte) return;
      node = static_cast<std::size_t>(it->second);
      if (nodes_[node].id >= 0) fn(i + 1, nodes_[node].id);
    }
  }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, std::int32_t>> children;
    std::int32_t id = -1;
  };
  std::vector<Node> nodes_;
};

// SentencePiece's unigram model as HF runs it: Viterbi over piece log-probabilities, an
// unknown character costs (lowest score - 10), adjacent unknowns fuse into one unk.
class UnigramModel final : public Model {
 public:
  explicit UnigramModel(const nlohmann::json& config) {
    const auto& vocab = jf::require(config, "vocab");
    if (!vocab.is_array()) throw Error("Unigram 'vocab' must be an array of [piece, score]");
    double min_score = std::numeric_limits<double>::max();
    for (std::size_t i = 0; i < vocab.size(); ++i) {
      const auto& entry = vocab[i];
      if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() ||
          !entry[1].is_number()) {
        throw Error("Unigram vocab entry " + std::to_string(i) + " must be [piece, score]");
      }
      const auto id = static_cast<std::int32_t>(i);
      const auto piece = entry[0].get<std::string>();
      vocab_.add(piece, id);
      scores_.push_back(entry[1].get<double>());
      trie_.insert(piece, id);
      min_score = std::min(min_score, scores_.back());
    }
    unk_score_ = (vocab.empty() ? 0.0 : min_score) - 10.0;
    const long long unk = jf::int_or(config, "unk_id", -1);
    if (unk >= 0) {
      if (unk >= static_cast<long long>(vocab.size()))
        throw Error("Unigram unk_id is outside the vocab");
      unk_id_ = static_cast<std::int32_t>(unk);
    }
    byte_fallback_ = jf::bool_or(config, "byte_fallback", false);
  }

  void tokenize(std::string_view text, std::vector<std::int32_t>& out) const override {
    if (text.empty()) return;
    struct Best {
      std::int32_t id = -1;
      double score = 0;
      std::size_t start = 0;
      bool reached = false;
    };
    std::vector<Best> best(text.size() + 1);
    best[0].reached = true;
    const std::int32_t unk = unk_id_.value_or(-1);
    for (std::size_t start = 0; start < text.size();) {
      const std::size_t char_length = utf8::decode(text, start).length;
      const double base = best[start].score;
      bool has_single = false;
      trie_.for_each_prefix(text.substr(start), [&](std::size_t length, std::int32_t id) {
        Best& target = best[start + length];
        const double candidate = base + scores_[static_cast<std::size_t>(id)];
        if (!target.reached || candidate > target.score) target = {id, candidate, start, true};
        if (length == char_length) has_single = true;
      });
      if (!has_single) {
        Best& target = best[start + char_length];
        const double candidate = base + unk_score_;
        if (!target.reached || candidate > target.score) target = {unk, candidate, start, true};
      }
      start += char_length;
    }
    // Walk back, fusing runs of unknowns into one piece of text.
    std::vector<std::pair<std::string_view, std::int32_t>> pieces;
    std::size_t unk_begin = text.size();
    std::size_t unk_end = text.size();
    bool in_unk = false;
    for (std::size_t end = text.size(); end > 0;) {
      const Best& node = best[end];
      if (node.id == unk && unk >= 0) {
        if (!in_unk) unk_end = end;
        in_unk = true;
        unk_begin = node.start;
      } else {
        if (in_unk) pieces.emplace_back(text.substr(unk_begin, unk_end - unk_begin), unk);
        in_unk = false;
        pieces.emplace_back(text.substr(node.start, end - node.start), node.id);
      }
      end = node.start;
    }
    if (in_unk) pieces.emplace_back(text.substr(unk_begin, unk_end - unk_begin), unk);
    std::reverse(pieces.begin(), pieces.end());
    for (const auto& [piece, id] : pieces) emit(piece, id, out);
  }

  const Vocab& vocab() const override { return vocab_; }

 private:
  void emit(std::string_view piece, std::int32_t id, std::vector<std::int32_t>& out) const {
    if (const auto known = vocab_.find(piece)) {
      out.push_back(*known);
      return;
    }
    if (byte_fallback_) {
      std::vector<std::int32_t> bytes;
      for (const char c : piece) {
        const auto byte_id = vocab_.find(byte_token(static_cast<unsigned char>(c)));
        if (!byte_id) break;
        bytes.push_back(*byte_id);
      }
      if (bytes.size() == piece.size()) {
        out.insert(out.end(), bytes.begin(), bytes.end());
        return;
      }
    }
    if (id >= 0) out.push_back(id);
  }

  Vocab vocab_;
  std::vector<double> scores_;
  PieceTrie trie_;
  double unk_score_ = -10.0;
  std::optional<std::int32_t> unk_id_;
  bool byte_fallback_ = false;
};

}  // namespace

std::unique_ptr<Model> make_unigram_model(const nlohmann::json& config) {
  return std::make_unique<UnigramModel>(config);
}

}  // namespace reasonrec::engine
