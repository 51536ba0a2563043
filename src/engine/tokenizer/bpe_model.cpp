#include <nlohmann/json.hpp>

#include <queue>

#include "engine/tokenizer/json_fields.hpp"
#include "engine/tokenizer/model.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

namespace jf = json_fields;

// Byte-pair encoding as HF tokenizers does it: the lowest-ranked adjacent pair merges
// first, ties go to the leftmost pair.
class BpeModel final : public Model {
 public:
  explicit BpeModel(const nlohmann::json& config);
  void tokenize(std::string_view word, std::vector<std::int32_t>& out) const override;
  const Vocab& vocab() const override { return vocab_; }

 private:
  struct MergeResult {
    std::int32_t rank;
    std::int32_t id;
  };
  static std::uint64_t key(std::int32_t left, std::int32_t right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
           static_cast<std::uint32_t>(right);
  }
  const MergeResult* find_merge(std::int32_t left, std::int32_t right) const {
    const auto it = merges_.find(key(left, right));
    return it == merges_.end() ? nullptr : &it->second;
  }
  void add_merge(const std::string& left, const std::string& right, std::int32_t rank);

  Vocab vocab_;
  std::unordered_map<std::uint64_t, MergeResult> merges_;
  std::optional<std::int32_t> unk_id_;
  std::string prefix_;  // continuing_subword_prefix
  std::string suffix_;  // end_of_word_suffix
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
};

BpeModel::BpeModel(const nlohmann::json& config) {
  const auto& vocab = jf::require(config, "vocab");
  if (!vocab.is_object()) throw Error("BPE 'vocab' must be an object of token: id");
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer()) throw Error("BPE vocab entry '" + token + "' has no integer id");
    vocab_.add(token, id.get<std::int32_t>());
  }
  prefix_ = jf::string_or(config, "continuing_subword_prefix", "");
  suffix_ = jf::string_or(config, "end_of_word_suffix", "");
  fuse_unk_ = jf::bool_or(config, "fuse_unk", false);
  byte_fallback_ = jf::bool_or(config, "byte_fallback", false);
  ignore_merges_ = jf::bool_or(config, "ignore_merges", false);
  const std::string unk = jf::string_or(config, "unk_token", "");
  if (!unk.empty()) {
    unk_id_ = vocab_.find(unk);
    if (!unk_id_) throw Error("BPE unk_token '" + unk + "' is not in the vocab");
  }
  const auto& merges = jf::require(config, "merges");
  if (!merges.is_array()) throw Error("BPE 'merges' must be an array");
  std::int32_t rank = 0;
  for (const auto& merge : merges) {
    if (merge.is_string()) {
      const auto text = merge.get<std::string>();
      const auto space = text.find(' ', 1);
      if (space == std::string::npos)
        throw Error("merge " + std::to_string(rank) + " '" + text + "' has no space");
      add_merge(text.substr(0, space), text.substr(space + 1), rank);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      add_merge(merge[0].get<std::string>(), merge[1].get<std::string>(), rank);
    } else {
      throw Error("merge " + std::to_string(rank) + " must be \"a b\" or [\"a\", \"b\"]");
    }
    ++rank;
  }
}

void BpeModel::add_merge(const std::string& left, const std::string& right, std::int32_t rank) {
  const auto left_id = vocab_.find(left);
  const auto right_id = vocab_.find(right);
  const std::string merged =
      left +
      (!prefix_.empty() && right.starts_with(prefix_) ? right.substr(prefix_.size()) : right);
  const auto merged_id = vocab_.find(merged);
  if (!left_id || !right_id || !merged_id) {
    throw Error("merge " + std::to_string(rank) + " '" + left + " " + right +
                "' uses a token missing from the vocab");
  }
  // The first occurrence of a pair keeps its rank, as in HF.
  merges_.emplace(key(*left_id, *right_id), MergeResult{rank, *merged_id});
}

void BpeModel::tokenize(std::string_view word, std::vector<std::int32_t>& out) const {
  if (word.empty()) return;
  if (ignore_merges_) {
    if (const auto id = vocab_.find(word)) {
      out.push_back(*id);
      return;
    }
  }
  struct Symbol {
    std::int32_t id;
    std::int32_t prev;
    std::int32_t next;
    bool alive;
  };
  std::vector<Symbol> symbols;
  const auto push = [&](std::int32_t id) {
    const auto index = static_cast<std::int32_t>(symbols.size());
    symbols.push_back({id, index - 1, index + 1, true});
  };
  std::int32_t pending_unk = -1;  // an unk not yet pushed (fused runs)
  std::string piece;
  for (std::size_t pos = 0; pos < word.size();) {
    const std::size_t length = utf8::decode(word, pos).length;
    piece.clear();
    if (pos > 0) piece += prefix_;
    piece.append(word.substr(pos, length));
    if (pos + length == word.size()) piece += suffix_;
    pos += length;
    if (const auto id = vocab_.find(piece)) {
      if (pending_unk >= 0) push(pending_unk), pending_unk = -1;
      push(*id);
      continue;
    }
    if (byte_fallback_) {
      std::vector<std::int32_t> bytes;
      for (const char c : piece) {
        const auto id = vocab_.find(byte_token(static_cast<unsigned char>(c)));
        if (!id) break;
        bytes.push_back(*id);
      }
      if (bytes.size() == piece.size()) {
        for (const auto id : bytes) push(id);
        continue;
      }
    }
    if (unk_id_) {
      if (pending_unk >= 0 && !fuse_unk_) push(pending_unk);
      pending_unk = *unk_id_;
    }
  }
  if (pending_unk >= 0) push(pending_unk);
  if (symbols.empty()) return;
  symbols.back().next = -1;

  struct Candidate {
    std::int32_t rank, pos, id;
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : pos > other.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const auto* m = find_merge(symbols[i].id, symbols[i + 1].id)) {
      queue.push({m->rank, static_cast<std::int32_t>(i), m->id});
    }
  }
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[static_cast<std::size_t>(top.pos)];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[static_cast<std::size_t>(left.next)];
    const auto* current = find_merge(left.id, right.id);
    if (current == nullptr || current->id != top.id) continue;  // stale entry
    left.id = top.id;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) symbols[static_cast<std::size_t>(left.next)].prev = top.pos;
    if (left.prev >= 0) {
      const Symbol& before = symbols[static_cast<std::size_t>(left.prev)];
      if (const auto* m = find_merge(before.id, left.id)) queue.push({m->rank, left.prev, m->id});
    }
    if (left.next >= 0) {
      const Symbol& after = symbols[static_cast<std::size_t>(left.next)];
      if (const auto* m = find_merge(left.id, after.id)) queue.push({m->rank, top.pos, m->id});
    }
  }
  for (const Symbol& s : symbols) {
    if (s.alive) out.push_back(s.id);
  }
}

}  // namespace

std::unique_ptr<Model> make_bpe_model(const nlohmann::json& config) {
  return std::make_unique<BpeModel>(config);
}

}  // namespace reasonrec::engine
