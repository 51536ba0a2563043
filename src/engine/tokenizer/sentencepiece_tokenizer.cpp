#include "engine/tokenizer/sentencepiece_tokenizer.hpp"

#include <fstream>
#include <iterator>

#include "util/error.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

using PieceType = SentencePieceModelProto::PieceType;
const std::string_view kSpaceSymbol = "\xE2\x96\x81";

SentencePieceEncoder make_encoder(const SentencePieceModelProto& model, const std::string& source) {
  try {
    return SentencePieceEncoder(model);
  } catch (const InputError&) {
    throw;
  } catch (const Error& e) {
    throw InputError(source, 0, e.what());
  }
}

std::string replace_space_symbols(std::string_view piece) {
  std::string out;
  out.reserve(piece.size());
  for (std::size_t pos = 0; pos < piece.size();) {
    if (piece.substr(pos, kSpaceSymbol.size()) == kSpaceSymbol) {
      out += ' ';
      pos += kSpaceSymbol.size();
    } else {
      out += piece[pos++];
    }
  }
  return out;
}

// Byte pieces joined: libsentencepiece turns each byte that does not start a valid UTF-8
// character into its own U+FFFD.
void append_bytes(std::string_view bytes, std::string& text) {
  for (std::size_t pos = 0; pos < bytes.size();) {
    const auto c = utf8::decode(bytes, pos);
    if (c.code_point == 0xFFFD && bytes.substr(pos, 3) != "\xEF\xBF\xBD") {
      text += "\xEF\xBF\xBD";
      pos += 1;
    } else {
      text.append(bytes.substr(pos, c.length));
      pos += c.length;
    }
  }
}

}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceModelProto model,
                                               const std::string& source)
    : model_(std::move(model)), encoder_(make_encoder(model_, source)) {}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_file(
    const std::filesystem::path& path, const SpecialTokenConfig& special) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open SentencePiece model");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return from_bytes(bytes, path.string(), special);
}

std::unique_ptr<SentencePieceTokenizer> SentencePieceTokenizer::from_bytes(
    std::string_view bytes, const std::string& source, const SpecialTokenConfig& special) {
  std::unique_ptr<SentencePieceTokenizer> tokenizer(
      new SentencePieceTokenizer(parse_sentencepiece_model(bytes, source), source));
  auto& t = *tokenizer;
  const auto resolve = [&](const std::optional<std::string>& token, std::optional<std::int32_t> id,
                           std::optional<std::int32_t> from_model) -> std::optional<std::int32_t> {
    if (token) {
      if (auto found = t.token_to_id(*token)) return found;
    }
    if (id && t.valid_id(*id)) return id;
    return from_model;
  };
  // libsentencepiece's bos_id() etc.: the trainer spec's piece, when it is a control piece.
  t.bos_ = resolve(special.bos_token, special.bos_id,
                   t.piece_id(t.model_.bos_piece, PieceType::Control));
  t.eos_ = resolve(special.eos_token, special.eos_id,
                   t.piece_id(t.model_.eos_piece, PieceType::Control));
  t.pad_ = resolve(special.pad_token, special.pad_id,
                   t.piece_id(t.model_.pad_piece, PieceType::Control));
  t.add_bos_ = special.add_bos_token.value_or(t.bos_.has_value());
  t.add_eos_ = special.add_eos_token.value_or(!t.bos_.has_value() && t.eos_.has_value());
  return tokenizer;
}

SentencePieceModelProto::PieceType SentencePieceTokenizer::type(std::int32_t id) const {
  return model_.pieces[static_cast<std::size_t>(id)].type;
}

std::optional<std::int32_t> SentencePieceTokenizer::piece_id(const std::string& piece,
                                                             PieceType wanted) const {
  const auto id = encoder_.find(piece);
  if (id && type(*id) == wanted) return id;
  return std::nullopt;
}

std::vector<std::int32_t> SentencePieceTokenizer::encode(std::string_view text,
                                                         bool add_special_tokens) const {
  std::vector<std::int32_t> ids;
  if (add_special_tokens && add_bos_ && bos_) ids.push_back(*bos_);
  const auto pieces = encoder_.encode(text);
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  if (add_special_tokens && add_eos_ && eos_) ids.push_back(*eos_);
  return ids;
}

// libsentencepiece's DecodeIds on one run of pieces: controls vanish, unknowns print as the
// unk surface, consecutive byte pieces join into UTF-8 (an invalid byte becomes U+FFFD),
// "▁" becomes a space, and the first piece loses its dummy-prefix space.
void SentencePieceTokenizer::decode_run(std::span<const std::int32_t> run,
                                        std::string& text) const {
  for (std::size_t i = 0; i < run.size();) {
    const std::int32_t id = run[i];
    const PieceType piece_type = type(id);
    if (piece_type == PieceType::Byte) {
      std::string bytes;
      for (; i < run.size() && type(run[i]) == PieceType::Byte; ++i) {
        bytes += static_cast<char>(
            byte_piece_value(model_.pieces[static_cast<std::size_t>(run[i])].text));
      }
      append_bytes(bytes, text);
      continue;
    }
    const bool first = i == 0;
    ++i;
    if (piece_type == PieceType::Control) continue;
    if (piece_type == PieceType::Unknown) {
      text += model_.unk_surface;
      continue;
    }
    std::string_view piece = model_.pieces[static_cast<std::size_t>(id)].text;
    if (first && !model_.treat_whitespace_as_suffix && piece.starts_with(kSpaceSymbol))
      piece.remove_prefix(kSpaceSymbol.size());
    text += replace_space_symbols(piece);
  }
}

std::string SentencePieceTokenizer::decode(std::span<const std::int32_t> ids,
                                           bool skip_special_tokens) const {
  // Control pieces that are shown split the ids into runs, each decoded on its own.
  std::string text;
  std::vector<std::int32_t> run;
  for (const std::int32_t id : ids) {
    if (!valid_id(id)) continue;
    if (type(id) == PieceType::Control) {
      if (!skip_special_tokens) {
        decode_run(run, text);
        run.clear();
        text += model_.pieces[static_cast<std::size_t>(id)].text;
      }
      continue;
    }
    run.push_back(id);
  }
  decode_run(run, text);
  return text;
}

std::int32_t SentencePieceTokenizer::vocab_size() const {
  return static_cast<std::int32_t>(model_.pieces.size());
}

std::optional<std::int32_t> SentencePieceTokenizer::token_to_id(std::string_view token) const {
  return encoder_.find(token);
}

std::string SentencePieceTokenizer::id_to_token(std::int32_t id) const {
  return valid_id(id) ? model_.pieces[static_cast<std::size_t>(id)].text : std::string();
}

std::string SentencePieceTokenizer::token_bytes(std::int32_t id) const {
  if (!valid_id(id)) return {};
  switch (type(id)) {
    case PieceType::Control:
      return {};
    case PieceType::Unknown:
      return model_.unk_surface;
    case PieceType::Byte:
      return std::string(1, static_cast<char>(byte_piece_value(id_to_token(id))));
    default:
      return replace_space_symbols(model_.pieces[static_cast<std::size_t>(id)].text);
  }
}

bool SentencePieceTokenizer::is_special(std::int32_t id) const {
  return valid_id(id) && type(id) == PieceType::Control;
}

}  // namespace reasonrec::engine
