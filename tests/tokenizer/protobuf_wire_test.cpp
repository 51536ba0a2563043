// The protobuf wire-format reader on hand-written encodings from the protobuf spec.
#include <gtest/gtest.h>

#include "engine/tokenizer/protobuf_wire.hpp"
#include "engine/tokenizer/sentencepiece_model.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using namespace std::string_literals;

TEST(ProtoReader, ReadsVarintBytesAndFixedFieldsAndSkipsTheRest) {
  // Field 1 varint 150 (the spec's example 08 96 01), field 2 "abc", field 3 float 1.5,
  // field 4 fixed64, field 5 int32 -1 (ten-byte varint).
  const std::string data = "\x08\x96\x01"s +
                           "\x12\x03"
                           "abc"s +
                           "\x1D\x00\x00\xC0\x3F"s + "\x21\x01\x02\x03\x04\x05\x06\x07\x08"s +
                           "\x28\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01"s;
  ProtoReader reader(data, "test.bin");
  ProtoReader::Field field;
  ASSERT_TRUE(reader.next(field));
  EXPECT_EQ(field.number, 1u);
  EXPECT_EQ(field.varint, 150u);
  ASSERT_TRUE(reader.next(field));
  EXPECT_EQ(reader.as_bytes(field), "abc");
  EXPECT_THROW(reader.as_float(field), InputError);  // wrong wire type
  ASSERT_TRUE(reader.next(field));
  EXPECT_EQ(reader.as_float(field), 1.5f);
  ASSERT_TRUE(reader.next(field));
  EXPECT_EQ(field.number, 4u);
  EXPECT_EQ(field.varint, 0x0807060504030201u);
  ASSERT_TRUE(reader.next(field));
  EXPECT_EQ(reader.as_int32(field), -1);
  EXPECT_FALSE(reader.next(field));
}

TEST(ProtoReader, RejectsTruncatedAndHostileData) {
  const auto fails = [](const std::string& data) {
    ProtoReader reader(data, "bad.bin");
    ProtoReader::Field field;
    try {
      while (reader.next(field)) {
      }
    } catch (const InputError& e) {
      return std::string(e.what()).find("bad.bin") != std::string::npos;
    }
    return false;
  };
  EXPECT_TRUE(
      fails("\x12\x05"
            "ab"s));                                     // length past the end
  EXPECT_TRUE(fails("\x08\x96"s));                       // varint cut short
  EXPECT_TRUE(fails("\x08" + std::string(11, '\xFF')));  // varint longer than 10 bytes
  EXPECT_TRUE(fails("\x1D\x00\x00"s));                   // fixed32 cut short
  EXPECT_TRUE(fails("\x0B\x0C"s));                       // group wire types
  EXPECT_TRUE(fails("\x00\x01"s));                       // field number 0
  EXPECT_TRUE(
      fails("\x12\xFF\xFF\xFF\xFF\x0F"
            "a"s));  // 4 GiB length claim
}

TEST(SentencePieceModelProto, ReadsPiecesAndSpecsAndChecksThem) {
  // pieces {piece "<unk>" type UNKNOWN} {piece "a" score -1.5}, trainer_spec {model_type BPE
  // byte_fallback true}, normalizer_spec {add_dummy_prefix false}.
  const std::string unk = "\x0A\x05<unk>\x18\x02"s;
  const std::string a =
      "\x0A\x01"
      "a\x15\x00\x00\xC0\xBF"s;
  const std::string data = "\x0A"s + static_cast<char>(unk.size()) + unk + "\x0A"s +
                           static_cast<char>(a.size()) + a + "\x12\x05\x18\x02\x98\x02\x01"s +
                           "\x1A\x02\x18\x00"s;
  const auto model = parse_sentencepiece_model(data, "m.model");
  ASSERT_EQ(model.pieces.size(), 2u);
  EXPECT_EQ(model.pieces[0].type, SentencePieceModelProto::PieceType::Unknown);
  EXPECT_EQ(model.pieces[1].text, "a");
  EXPECT_EQ(model.pieces[1].score, -1.5f);
  EXPECT_EQ(model.model_type, SentencePieceModelProto::ModelType::Bpe);
  EXPECT_TRUE(model.byte_fallback);
  EXPECT_FALSE(model.add_dummy_prefix);
  EXPECT_TRUE(model.remove_extra_whitespaces);
  // No unknown piece; a piece twice; a byte piece without byte_fallback.
  EXPECT_THROW(parse_sentencepiece_model("\x0A"s + static_cast<char>(a.size()) + a, "m.model"),
               InputError);
  EXPECT_THROW(parse_sentencepiece_model("\x0A"s + static_cast<char>(unk.size()) + unk + "\x0A"s +
                                             static_cast<char>(unk.size()) + unk,
                                         "m.model"),
               InputError);
  EXPECT_THROW(parse_sentencepiece_model("\x0A"s + static_cast<char>(unk.size()) + unk +
                                             "\x0A\x0A\x0A\x06<0x41>\x18\x06"s,
                                         "m.model"),
               InputError);
}

}  // namespace
}  // namespace reasonrec::engine
