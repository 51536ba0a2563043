#include "engine/tokenizer/sentencepiece_model.hpp"

#include <fstream>
#include <iterator>
#include <unordered_set>

#include "engine/tokenizer/protobuf_wire.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

namespace {

using Proto = SentencePieceModelProto;

// Real vocabularies have at most a few hundred thousand pieces; this keeps a hostile file
// from asking for gigabytes.
constexpr std::size_t kMaxPieces = std::size_t{1} << 22;

Proto::Piece read_piece(ProtoReader reader) {
  Proto::Piece piece;
  ProtoReader::Field field;
  while (reader.next(field)) {
    switch (field.number) {
      case 1:
        piece.text = std::string(reader.as_bytes(field));
        break;
      case 2:
        piece.score = reader.as_float(field);
        break;
      case 3: {
        const std::int32_t type = reader.as_int32(field);
        if (type < 1 || type > 6) reader.fail("unknown piece type " + std::to_string(type));
        piece.type = static_cast<Proto::PieceType>(type);
        break;
      }
      default:
        break;  // unknown fields (extensions) are skipped
    }
  }
  return piece;
}

void read_trainer_spec(ProtoReader reader, Proto& model) {
  ProtoReader::Field field;
  while (reader.next(field)) {
    switch (field.number) {
      case 3: {
        const std::int32_t type = reader.as_int32(field);
        if (type < 1 || type > 4) reader.fail("unknown model_type " + std::to_string(type));
        model.model_type = static_cast<Proto::ModelType>(type);
        break;
      }
      case 24:
        model.treat_whitespace_as_suffix = reader.as_bool(field);
        break;
      case 35:
        model.byte_fallback = reader.as_bool(field);
        break;
      case 44:
        model.unk_surface = std::string(reader.as_bytes(field));
        break;
      case 45:
        model.unk_piece = std::string(reader.as_bytes(field));
        break;
      case 46:
        model.bos_piece = std::string(reader.as_bytes(field));
        break;
      case 47:
        model.eos_piece = std::string(reader.as_bytes(field));
        break;
      case 48:
        model.pad_piece = std::string(reader.as_bytes(field));
        break;
      default:
        // Training parameters; wire types are still checked by the reader.
        break;
    }
  }
}

void read_normalizer_spec(ProtoReader reader, Proto& model) {
  ProtoReader::Field field;
  while (reader.next(field)) {
    switch (field.number) {
      case 1:
        model.normalizer_name = std::string(reader.as_bytes(field));
        break;
      case 2:
        model.precompiled_charsmap = std::string(reader.as_bytes(field));
        break;
      case 3:
        model.add_dummy_prefix = reader.as_bool(field);
        break;
      case 4:
        model.remove_extra_whitespaces = reader.as_bool(field);
        break;
      case 5:
        model.escape_whitespaces = reader.as_bool(field);
        break;
      default:
        break;
    }
  }
}

void validate(const Proto& model, const std::string& source) {
  const auto fail = [&](const std::string& reason) { throw InputError(source, 0, reason); };
  if (model.pieces.empty()) fail("SentencePiece model has no pieces");
  std::unordered_set<std::string_view> seen;
  int unknowns = 0;
  for (std::size_t id = 0; id < model.pieces.size(); ++id) {
    const auto& piece = model.pieces[id];
    const std::string where = "piece " + std::to_string(id);
    if (piece.text.empty()) fail(where + " is empty");
    if (!seen.insert(piece.text).second) fail(where + " '" + piece.text + "' is defined twice");
    if (piece.type == Proto::PieceType::Unknown) ++unknowns;
    if (piece.type == Proto::PieceType::Byte) {
      if (!model.byte_fallback) fail(where + " is a byte piece but byte_fallback is off");
      if (byte_piece_value(piece.text) < 0) fail(where + " '" + piece.text + "' is not <0xXX>");
    }
  }
  if (unknowns != 1)
    fail("SentencePiece model must have exactly one unknown piece, has " +
         std::to_string(unknowns));
}

}  // namespace

int byte_piece_value(std::string_view piece) {
  if (piece.size() != 6 || !piece.starts_with("<0x") || piece[5] != '>') return -1;
  int value = 0;
  for (const char c : piece.substr(3, 2)) {
    int digit = -1;
    if (c >= '0' && c <= '9') digit = c - '0';
    if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

SentencePieceModelProto parse_sentencepiece_model(std::string_view bytes,
                                                  const std::string& source) {
  Proto model;
  ProtoReader reader(bytes, source);
  ProtoReader::Field field;
  while (reader.next(field)) {
    switch (field.number) {
      case 1:
        if (model.pieces.size() >= kMaxPieces)
          reader.fail("more than " + std::to_string(kMaxPieces) + " pieces");
        model.pieces.push_back(read_piece(
            reader.nested(field, "pieces[" + std::to_string(model.pieces.size()) + "]")));
        break;
      case 2:
        read_trainer_spec(reader.nested(field, "trainer_spec"), model);
        break;
      case 3:
        read_normalizer_spec(reader.nested(field, "normalizer_spec"), model);
        break;
      default:
        break;  // self_test_data, denormalizer_spec, extensions
    }
  }
  validate(model, source);
  return model;
}

SentencePieceModelProto read_sentencepiece_model(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open SentencePiece model");
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_sentencepiece_model(bytes, path.string());
}

}  // namespace reasonrec::engine
