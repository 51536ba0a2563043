#include "engine/tokenizer/sentencepiece_tokenizer.hpp"

#include <sentencepiece_processor.h>

#include "engine/tokenizer/utf8.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

SentencePieceTokenizer::SentencePieceTokenizer()
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_file(
    const std::filesystem::path& path, const SpecialTokenConfig& special) {
  std::unique_ptr<SentencePieceTokenizer> tokenizer(new SentencePieceTokenizer());
  const auto status = tokenizer->processor_->Load(path.string());
  if (!status.ok())
    throw InputError(path.string(), 0, "cannot load SentencePiece model: " + status.ToString());
  auto& t = *tokenizer;
  const auto from_model = [&](int id) -> std::optional<std::int32_t> {
    if (id >= 0 && id < t.vocab_size()) return id;
    return std::nullopt;
  };
  const auto resolve = [&](const std::optional<std::string>& token, std::optional<std::int32_t> id,
                           int model_id) -> std::optional<std::int32_t> {
    if (token) {
      if (auto found = t.token_to_id(*token)) return found;
    }
    if (id && t.valid_id(*id)) return id;
    return from_model(model_id);
  };
  t.bos_ = resolve(special.bos_token, special.bos_id, t.processor_->bos_id());
  t.eos_ = resolve(special.eos_token, special.eos_id, t.processor_->eos_id());
  t.pad_ = resolve(special.pad_token, special.pad_id, t.processor_->pad_id());
  t.add_bos_ = special.add_bos_token.value_or(t.bos_.has_value());
  t.add_eos_ = special.add_eos_token.value_or(!t.bos_.has_value() && t.eos_.has_value());
  return tokenizer;
}

std::vector<std::int32_t> SentencePieceTokenizer::encode(std::string_view text,
                                                         bool add_special_tokens) const {
  std::vector<int> pieces;
  const auto status = processor_->Encode(utf8::sanitize(text), &pieces);
  if (!status.ok()) throw Error("SentencePiece encode failed: " + status.ToString());
  std::vector<std::int32_t> ids;
  ids.reserve(pieces.size() + 2);
  if (add_special_tokens && add_bos_ && bos_) ids.push_back(*bos_);
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  if (add_special_tokens && add_eos_ && eos_) ids.push_back(*eos_);
  return ids;
}

std::string SentencePieceTokenizer::decode(std::span<const std::int32_t> ids,
                                           bool skip_special_tokens) const {
  // libsentencepiece drops control pieces; render them ourselves when they are wanted.
  std::string text;
  std::vector<int> run;
  const auto flush = [&] {
    if (run.empty()) return;
    std::string piece_text;
    const auto status = processor_->Decode(run, &piece_text);
    if (!status.ok()) throw Error("SentencePiece decode failed: " + status.ToString());
    text += piece_text;
    run.clear();
  };
  for (const std::int32_t id : ids) {
    if (!valid_id(id)) continue;
    if (processor_->IsControl(id)) {
      if (!skip_special_tokens) {
        flush();
        text += processor_->IdToPiece(id);
      }
      continue;
    }
    run.push_back(id);
  }
  flush();
  return text;
}

std::int32_t SentencePieceTokenizer::vocab_size() const {
  return processor_->GetPieceSize();
}

std::optional<std::int32_t> SentencePieceTokenizer::token_to_id(std::string_view token) const {
  const int id = processor_->PieceToId(token);
  // PieceToId answers unk_id for unknown pieces; only the unk piece itself maps there.
  if (id == processor_->unk_id() && processor_->IdToPiece(id) != token) return std::nullopt;
  return id;
}

std::string SentencePieceTokenizer::id_to_token(std::int32_t id) const {
  return valid_id(id) ? processor_->IdToPiece(id) : std::string();
}

std::string SentencePieceTokenizer::token_bytes(std::int32_t id) const {
  if (!valid_id(id) || processor_->IsControl(id)) return {};
  if (processor_->IsUnknown(id)) return " \xE2\x81\x87 ";  // how SentencePiece renders unk
  const std::string piece = processor_->IdToPiece(id);
  if (processor_->IsByte(id) && piece.size() == 6) {
    return std::string(1, static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
  }
  std::string bytes;
  for (std::size_t pos = 0; pos < piece.size();) {
    if (piece.compare(pos, 3, "\xE2\x96\x81") == 0) {
      bytes += ' ';
      pos += 3;
    } else {
      bytes += piece[pos++];
    }
  }
  return bytes;
}

bool SentencePieceTokenizer::is_special(std::int32_t id) const {
  return valid_id(id) && processor_->IsControl(id);
}

}  // namespace reasonrec::engine
