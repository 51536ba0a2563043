#include "engine/tokenizer/sentencepiece_encoder.hpp"

#include <algorithm>
#include <cfloat>
#include <queue>

#include "engine/tokenizer/model.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

using PieceType = SentencePieceModelProto::PieceType;
const std::string_view kSpaceSymbol = "\xE2\x96\x81";

// SentencePiece's OneCharLen: the length a UTF-8 lead byte announces.
std::size_t one_char_length(std::string_view text, std::size_t pos) {
  static constexpr unsigned char kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  const std::size_t length = kLengths[static_cast<unsigned char>(text[pos]) >> 4];
  return std::min(length, text.size() - pos);
}

}  // namespace

void PieceTrie::insert(std::string_view key, std::int32_t id) {
  std::size_t node = 0;
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    std::size_t next = child(node, byte);
    if (next == 0) {
      next = nodes_.size();
      auto& children = nodes_[node].children;
      const auto it =
          std::lower_bound(children.begin(), children.end(), byte,
                           [](const auto& entry, unsigned char b) { return entry.first < b; });
      children.insert(it, {byte, static_cast<std::uint32_t>(next)});
      nodes_.emplace_back();
    }
    node = next;
  }
  nodes_[node].id = id;
}

std::size_t PieceTrie::child(std::size_t node, unsigned char byte) const {
  const auto& children = nodes_[node].children;
  const auto it =
      std::lower_bound(children.begin(), children.end(), byte,
                       [](const auto& entry, unsigned char b) { return entry.first < b; });
  return it == children.end() || it->first != byte ? 0 : it->second;
}

SentencePieceEncoder::SentencePieceEncoder(const SentencePieceModelProto& model) : model_(&model) {
  using ModelType = SentencePieceModelProto::ModelType;
  if (model.model_type != ModelType::Unigram && model.model_type != ModelType::Bpe)
    throw Error("SentencePiece model_type WORD and CHAR are not supported");
  min_score_ = FLT_MAX;
  max_score_ = FLT_MIN;  // as libsentencepiece: FLT_MIN, the smallest positive float
  for (std::size_t i = 0; i < model.pieces.size(); ++i) {
    const auto& piece = model.pieces[i];
    const auto id = static_cast<std::int32_t>(i);
    const bool normal = piece.type == PieceType::Normal || piece.type == PieceType::UserDefined ||
                        piece.type == PieceType::Unused;
    (normal ? pieces_ : reserved_).emplace(piece.text, id);
    if (normal) trie_.insert(piece.text, id);
    if (piece.type == PieceType::UserDefined) user_defined_.insert(piece.text, id);
    if (piece.type == PieceType::Unknown) unk_id_ = id;
    if (piece.type == PieceType::Normal) {
      min_score_ = std::min(min_score_, piece.score);
      max_score_ = std::max(max_score_, piece.score);
    }
  }
  if (min_score_ == FLT_MAX) min_score_ = 0;
  if (max_score_ == FLT_MIN) max_score_ = 0;
  if (!model.precompiled_charsmap.empty()) charsmap_.emplace(model.precompiled_charsmap);
}

std::optional<std::int32_t> SentencePieceEncoder::find(std::string_view piece) const {
  if (const auto it = reserved_.find(piece); it != reserved_.end()) return it->second;
  if (const auto it = pieces_.find(piece); it != pieces_.end()) return it->second;
  return std::nullopt;
}

std::int32_t SentencePieceEncoder::piece_to_id(std::string_view piece) const {
  return find(piece).value_or(unk_id_);
}

std::size_t SentencePieceEncoder::user_defined_prefix(std::string_view text) const {
  std::size_t longest = 0;
  user_defined_.for_each_prefix(text, [&](std::size_t length, std::int32_t) { longest = length; });
  return longest;
}

std::string SentencePieceEncoder::normalize(std::string_view input) const {
  const auto& spec = *model_;
  // One normalized unit: user-defined symbols pass unchanged, else the longest charsmap
  // rule, else one character. Returns the replacement and the input bytes consumed.
  const auto normalize_prefix =
      [&](std::string_view text) -> std::pair<std::string_view, std::size_t> {
    if (const std::size_t length = user_defined_prefix(text))
      return {text.substr(0, length), length};
    if (charsmap_) {
      if (const auto match = charsmap_->longest_match(text))
        return {match->replacement, match->length};
    }
    const std::size_t length = utf8::decode(text, 0).length;
    return {text.substr(0, length), length};
  };
  const bool remove_extra = spec.remove_extra_whitespaces;
  if (remove_extra) {
    while (!input.empty()) {
      const auto [replacement, consumed] = normalize_prefix(input);
      if (replacement != " ") break;
      input.remove_prefix(consumed);
    }
  }
  if (input.empty()) return {};
  const std::string_view space = spec.escape_whitespaces ? kSpaceSymbol : std::string_view(" ");
  std::string out;
  out.reserve(input.size() * 3 / 2 + 3);
  const bool suffix = spec.treat_whitespace_as_suffix;
  if (!suffix && spec.add_dummy_prefix) out += space;
  bool previous_space = remove_extra;
  while (!input.empty()) {
    auto [replacement, consumed] = normalize_prefix(input);
    if (previous_space) {
      while (!replacement.empty() && replacement.front() == ' ') replacement.remove_prefix(1);
    }
    if (!replacement.empty()) {
      for (const char c : replacement) {
        if (c == ' ' && spec.escape_whitespaces) {
          out += kSpaceSymbol;
        } else {
          out += c;
        }
      }
      previous_space = replacement.back() == ' ';
    }
    input.remove_prefix(consumed);
    if (!remove_extra) previous_space = false;
  }
  if (remove_extra) {
    while (out.ends_with(space)) out.resize(out.size() - space.size());
  }
  if (suffix && spec.add_dummy_prefix) out += space;
  return out;
}

std::vector<SentencePieceEncoder::Segment> SentencePieceEncoder::encode_unigram(
    std::string_view normalized) const {
  // libsentencepiece's optimized Viterbi, with its mix of float and double arithmetic so that
  // near-ties break the same way.
  struct Best {
    std::int32_t id = -1;
    float score = 0;
    std::ptrdiff_t start = -1;
  };
  const std::size_t size = normalized.size();
  std::vector<Best> best(size + 1);
  const float unk_score = min_score_ - 10.0f;
  for (std::size_t start = 0; start < size;) {
    const float base = best[start].score;
    const std::size_t char_length = one_char_length(normalized, start);
    bool has_single = false;
    trie_.for_each_prefix(normalized.substr(start), [&](std::size_t length, std::int32_t id) {
      const auto& piece = model_->pieces[static_cast<std::size_t>(id)];
      if (piece.type == PieceType::Unused) return;
      // User-defined symbols get a bonus so that they always win.
      const double score = piece.type == PieceType::UserDefined
                               ? static_cast<double>(static_cast<float>(length) * max_score_) - 0.1
                               : static_cast<double>(piece.score);
      const double candidate = score + static_cast<double>(base);
      Best& target = best[start + length];
      if (target.start < 0 || candidate > static_cast<double>(target.score)) {
        target = {id, static_cast<float>(candidate), static_cast<std::ptrdiff_t>(start)};
      }
      if (length == char_length) has_single = true;
    });
    if (!has_single) {
      Best& target = best[start + char_length];
      const float candidate = unk_score + base;
      if (target.start < 0 || candidate > target.score) {
        target = {unk_id_, candidate, static_cast<std::ptrdiff_t>(start)};
      }
    }
    start += char_length;
  }
  std::vector<Segment> segments;
  for (std::size_t end = size; end > 0;) {
    const Best& node = best[end];
    const auto start = static_cast<std::size_t>(node.start);
    segments.emplace_back(normalized.substr(start, end - start), node.id);
    end = start;
  }
  std::reverse(segments.begin(), segments.end());
  return segments;
}

std::vector<SentencePieceEncoder::Segment> SentencePieceEncoder::encode_bpe(
    std::string_view normalized) const {
  struct Symbol {
    std::size_t begin, length;
    std::ptrdiff_t prev, next;
    bool frozen;  // a user-defined symbol: never merged
  };
  struct Pair {
    float score;
    std::ptrdiff_t left, right;
    std::size_t length;
  };
  // The highest score first; equal scores go to the leftmost pair.
  const auto lower = [](const Pair& a, const Pair& b) {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  };
  std::priority_queue<Pair, std::vector<Pair>, decltype(lower)> agenda(lower);
  std::vector<Symbol> symbols;
  for (std::size_t pos = 0; pos < normalized.size();) {
    std::size_t length = user_defined_prefix(normalized.substr(pos));
    const bool frozen = length > 0;
    if (!frozen) length = one_char_length(normalized, pos);
    const auto index = static_cast<std::ptrdiff_t>(symbols.size());
    symbols.push_back({pos, length, index - 1, -1, frozen});
    pos += length;
    if (pos < normalized.size()) symbols.back().next = index + 1;
  }
  // Merged pieces that are UNUSED are split back into the pair that formed them.
  std::unordered_map<std::string_view, std::pair<std::string_view, std::string_view>> unmerge;
  const auto text_of = [&](const Symbol& s) { return normalized.substr(s.begin, s.length); };
  const auto add_pair = [&](std::ptrdiff_t left, std::ptrdiff_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols[static_cast<std::size_t>(left)];
    const Symbol& r = symbols[static_cast<std::size_t>(right)];
    if (l.frozen || r.frozen) return;
    const std::string_view merged = normalized.substr(l.begin, l.length + r.length);
    const auto it = pieces_.find(merged);
    if (it == pieces_.end()) return;
    const auto& piece = model_->pieces[static_cast<std::size_t>(it->second)];
    agenda.push({piece.score, left, right, merged.size()});
    if (piece.type == PieceType::Unused) unmerge[merged] = {text_of(l), text_of(r)};
  };
  for (std::size_t i = 1; i < symbols.size(); ++i) {
    add_pair(static_cast<std::ptrdiff_t>(i - 1), static_cast<std::ptrdiff_t>(i));
  }
  while (!agenda.empty()) {
    const Pair top = agenda.top();
    agenda.pop();
    Symbol& left = symbols[static_cast<std::size_t>(top.left)];
    Symbol& right = symbols[static_cast<std::size_t>(top.right)];
    // Stale: one side was merged away since the pair was queued.
    if (left.length == 0 || right.length == 0 || left.length + right.length != top.length) continue;
    left.length += right.length;
    left.next = right.next;
    if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = top.left;
    right.length = 0;
    add_pair(left.prev, top.left);
    add_pair(top.left, left.next);
  }
  std::vector<Segment> segments;
  const auto emit = [&](auto&& self, std::string_view piece) -> void {
    const std::int32_t id = piece_to_id(piece);
    const auto it = unmerge.find(piece);
    if (model_->pieces[static_cast<std::size_t>(id)].type != PieceType::Unused ||
        it == unmerge.end()) {
      segments.emplace_back(piece, id);
      return;
    }
    self(self, it->second.first);
    self(self, it->second.second);
  };
  for (std::ptrdiff_t i = symbols.empty() ? -1 : 0; i >= 0;
       i = symbols[static_cast<std::size_t>(i)].next) {
    emit(emit, text_of(symbols[static_cast<std::size_t>(i)]));
  }
  return segments;
}

std::vector<std::int32_t> SentencePieceEncoder::encode(std::string_view text) const {
  const std::string normalized = normalize(utf8::sanitize(text));
  const auto segments = model_->model_type == SentencePieceModelProto::ModelType::Bpe
                            ? encode_bpe(normalized)
                            : encode_unigram(normalized);
  std::vector<std::int32_t> ids;
  ids.reserve(segments.size());
  bool previous_unknown = false;
  for (const auto& [surface, id] : segments) {
    const bool unknown = id == unk_id_;
    if (unknown && model_->byte_fallback) {
      for (const char c : surface) {
        ids.push_back(piece_to_id(byte_token(static_cast<unsigned char>(c))));
      }
    } else if (!(unknown && previous_unknown)) {
      ids.push_back(id);  // a run of unknowns becomes one
    }
    previous_unknown = unknown;
  }
  return ids;
}

}  // namespace reasonrec::engine
