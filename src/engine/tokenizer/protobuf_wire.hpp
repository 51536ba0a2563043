#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace reasonrec::engine {

// A reader of the protocol buffers wire format, enough for SentencePiece's ModelProto:
// varints, length-delimited fields and fixed32/fixed64 (skipped or read). Every length is
// checked against the buffer; malformed data throws InputError naming `source`.
class ProtoReader {
 public:
  enum class WireType : std::uint8_t { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 };
  struct Field {
    std::uint32_t number = 0;
    WireType type = WireType::Varint;
    std::uint64_t varint = 0;  // Varint and Fixed64 payloads
    std::uint32_t fixed32 = 0;
    std::string_view bytes;  // Bytes payload (a view into the reader's buffer)
  };

  ProtoReader(std::string_view data, std::string source, std::string context = {});

  // Reads the next field into `field`; false at the end of the buffer.
  bool next(Field& field);

  // Typed access to the field just read; throw InputError when the wire type differs.
  bool as_bool(const Field& field) const;
  std::int32_t as_int32(const Field& field) const;
  float as_float(const Field& field) const;
  std::string_view as_bytes(const Field& field) const;
  // A reader over a nested message field, with `name` added to the error context.
  ProtoReader nested(const Field& field, const std::string& name) const;

  [[noreturn]] void fail(const std::string& reason) const;

 private:
  std::uint64_t read_varint();
  void expect(const Field& field, WireType type) const;

  std::string_view data_;
  std::size_t pos_ = 0;
  std::string source_;
  std::string context_;  // e.g. "pieces[3]", for errors
};

}  // namespace reasonrec::engine
