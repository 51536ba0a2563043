#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::engine {

// The parts of SentencePiece's ModelProto (sentencepiece_model.proto) that tokenizing needs.
// Defaults are the proto's.
struct SentencePieceModelProto {
  enum class PieceType : std::uint8_t {
    Normal = 1,
    Unknown = 2,
    Control = 3,
    UserDefined = 4,
    Unused = 5,
    Byte = 6
  };
  enum class ModelType : std::uint8_t { Unigram = 1, Bpe = 2, Word = 3, Char = 4 };
  struct Piece {
    std::string text;
    float score = 0;
    PieceType type = PieceType::Normal;
  };

  std::vector<Piece> pieces;  // ModelProto.pieces (1); the index is the id
  // TrainerSpec (ModelProto field 2)
  ModelType model_type = ModelType::Unigram;   // 3
  bool treat_whitespace_as_suffix = false;     // 24
  bool byte_fallback = false;                  // 35
  std::string unk_surface = " \xE2\x81\x87 ";  // 44
  std::string unk_piece = "<unk>";             // 45
  std::string bos_piece = "<s>";               // 46
  std::string eos_piece = "</s>";              // 47
  std::string pad_piece = "<pad>";             // 48
  // NormalizerSpec (ModelProto field 3)
  std::string normalizer_name;           // 1
  std::string precompiled_charsmap;      // 2
  bool add_dummy_prefix = true;          // 3
  bool remove_extra_whitespaces = true;  // 4
  bool escape_whitespaces = true;        // 5
};

// Parses a serialized ModelProto and checks it the way libsentencepiece does on loading
// (non-empty unique pieces, exactly one unknown piece, byte pieces only with byte_fallback).
// Throws InputError naming `source`.
SentencePieceModelProto parse_sentencepiece_model(std::string_view bytes,
                                                  const std::string& source);
SentencePieceModelProto read_sentencepiece_model(const std::filesystem::path& path);

// The byte a "<0xAB>" piece stands for, or -1 when `piece` is not of that form.
int byte_piece_value(std::string_view piece);

}  // namespace reasonrec::engine
