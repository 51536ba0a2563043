#include "engine/tokenizer/protobuf_wire.hpp"

#include <bit>

#include "util/error.hpp"

namespace reasonrec::engine {

ProtoReader::ProtoReader(std::string_view data, std::string source, std::string context)
    : data_(data), source_(std::move(source)), context_(std::move(context)) {}

void ProtoReader::fail(const std::string& reason) const {
  throw InputError(source_, 0,
                   "malformed protobuf" + (context_.empty() ? std::string() : " in " + context_) +
                       ": " + reason);
}

std::uint64_t ProtoReader::read_varint() {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) fail("truncated varint at byte " + std::to_string(pos_));
    const auto byte = static_cast<unsigned char>(data_[pos_++]);
    // The tenth byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && byte > 1) fail("varint overflows 64 bits at byte " + std::to_string(pos_));
    value |= static_cast<std::uint64_t>(byte & 0x7Fu) << shift;
    if ((byte & 0x80u) == 0) return value;
  }
  fail("varint longer than 10 bytes at byte " + std::to_string(pos_));
}

bool ProtoReader::next(Field& field) {
  if (pos_ >= data_.size()) return false;
  const std::size_t start = pos_;
  const std::uint64_t key = read_varint();
  const std::uint64_t number = key >> 3;
  if (number == 0 || number > 0x1FFFFFFFu)
    fail("invalid field number " + std::to_string(number) + " at byte " + std::to_string(start));
  field = Field{};
  field.number = static_cast<std::uint32_t>(number);
  const auto remaining = [&] { return data_.size() - pos_; };
  switch (key & 7u) {
    case 0:
      field.type = WireType::Varint;
      field.varint = read_varint();
      return true;
    case 1:
      field.type = WireType::Fixed64;
      if (remaining() < 8) fail("truncated fixed64 field " + std::to_string(number));
      for (int i = 7; i >= 0; --i)
        field.varint = (field.varint << 8) |
                       static_cast<unsigned char>(data_[pos_ + static_cast<std::size_t>(i)]);
      pos_ += 8;
      return true;
    case 2: {
      field.type = WireType::Bytes;
      const std::uint64_t length = read_varint();
      if (length > remaining())
        fail("field " + std::to_string(number) + " claims " + std::to_string(length) +
             " bytes but only " + std::to_string(remaining()) + " remain");
      field.bytes = data_.substr(pos_, static_cast<std::size_t>(length));
      pos_ += static_cast<std::size_t>(length);
      return true;
    }
    case 5:
      field.type = WireType::Fixed32;
      if (remaining() < 4) fail("truncated fixed32 field " + std::to_string(number));
      for (int i = 3; i >= 0; --i)
        field.fixed32 = (field.fixed32 << 8) |
                        static_cast<unsigned char>(data_[pos_ + static_cast<std::size_t>(i)]);
      pos_ += 4;
      return true;
    default:
      // Groups (3, 4) are long deprecated and SentencePiece never wrote them.
      fail("unsupported wire type " + std::to_string(key & 7u) + " for field " +
           std::to_string(number) + " at byte " + std::to_string(start));
  }
}

void ProtoReader::expect(const Field& field, WireType type) const {
  if (field.type != type)
    fail("field " + std::to_string(field.number) + " has wire type " +
         std::to_string(static_cast<int>(field.type)) + ", expected " +
         std::to_string(static_cast<int>(type)));
}

bool ProtoReader::as_bool(const Field& field) const {
  expect(field, WireType::Varint);
  return field.varint != 0;
}

std::int32_t ProtoReader::as_int32(const Field& field) const {
  expect(field, WireType::Varint);
  // int32 is sign-extended to 64 bits on the wire; protobuf truncates to the low 32 bits.
  return static_cast<std::int32_t>(static_cast<std::uint32_t>(field.varint & 0xFFFFFFFFu));
}

float ProtoReader::as_float(const Field& field) const {
  expect(field, WireType::Fixed32);
  return std::bit_cast<float>(field.fixed32);
}

std::string_view ProtoReader::as_bytes(const Field& field) const {
  expect(field, WireType::Bytes);
  return field.bytes;
}

ProtoReader ProtoReader::nested(const Field& field, const std::string& name) const {
  return ProtoReader(as_bytes(field), source_, context_.empty() ? name : context_ + "." + name);
}

}  // namespace reasonrec::engine
