// Every class of corrupt or hostile safetensors file gives an InputError naming the file and,
// where one is concerned, the tensor.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checkpoint/raw_file.hpp"
#include "engine/checkpoint/safetensors.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using test::raw_safetensors;
using ::testing::HasSubstr;

void expect_rejected(const std::vector<std::byte>& bytes,
                     const std::vector<std::string>& fragments) {
  try {
    (void)SafetensorsFile::parse(bytes, "bad.safetensors");
    ADD_FAILURE() << "accepted a corrupt file; expected an error containing " << fragments[0];
  } catch (const InputError& error) {
    EXPECT_EQ(error.file(), "bad.safetensors");
    for (const auto& fragment : fragments) EXPECT_THAT(error.what(), HasSubstr(fragment));
  }
}

TEST(SafetensorsErrors, FileShorterThanTheLengthPrefix) {
  expect_rejected({}, {"0 bytes", "too short"});
  expect_rejected(std::vector<std::byte>(7, std::byte{0}), {"7 bytes"});
}

TEST(SafetensorsErrors, AbsurdHeaderLength) {
  expect_rejected(raw_safetensors("{}", 0, 0xffffffffffffffffULL), {"over the 100 MB limit"});
  expect_rejected(raw_safetensors("{}", 0, 100'000'001), {"100000001", "100 MB"});
}

TEST(SafetensorsErrors, HeaderLengthPastTheEnd) {
  expect_rejected(raw_safetensors("{}", 0, 3), {"header length 3 runs past the end"});
}

TEST(SafetensorsErrors, HeaderNotJson) {
  expect_rejected(raw_safetensors("{\"a\":", 0), {"header is not valid JSON"});
  expect_rejected(raw_safetensors("{} x", 0), {"header is not valid JSON"});
  expect_rejected(raw_safetensors("{\"\xff\":1}", 0), {"header is not valid JSON"});
}

TEST(SafetensorsErrors, HeaderNotAnObject) {
  expect_rejected(raw_safetensors("[1, 2]  ", 0), {"header is not a JSON object"});
  expect_rejected(raw_safetensors("\"text\"", 0), {"header is not a JSON object"});
}

TEST(SafetensorsErrors, EntryNotAnObject) {
  expect_rejected(raw_safetensors(R"({"w":[1,2]})", 0), {"tensor 'w'", "not an object"});
}

TEST(SafetensorsErrors, UnknownOrMissingDtype) {
  expect_rejected(raw_safetensors(R"({"w":{"dtype":"Q4_K","shape":[1],"data_offsets":[0,1]}})", 1),
                  {"tensor 'w'", "unknown dtype \"Q4_K\""});
  expect_rejected(
      raw_safetensors(R"({"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}})", 1),
      {"tensor 'w'", "unknown dtype \"F8_E4M3\""});
  expect_rejected(raw_safetensors(R"({"w":{"shape":[1],"data_offsets":[0,1]}})", 1),
                  {"tensor 'w'", "\"dtype\""});
}

TEST(SafetensorsErrors, NegativeOrNonIntegerShape) {
  expect_rejected(raw_safetensors(R"({"w":{"dtype":"U8","shape":[2,-3],"data_offsets":[0,6]}})", 6),
                  {"tensor 'w'", "-3", "negative"});
  expect_rejected(raw_safetensors(R"({"w":{"dtype":"U8","shape":[1.5],"data_offsets":[0,1]}})", 1),
                  {"tensor 'w'", "not an integer"});
  expect_rejected(raw_safetensors(R"({"w":{"dtype":"U8","shape":3,"data_offsets":[0,3]}})", 3),
                  {"tensor 'w'", "\"shape\""});
}

TEST(SafetensorsErrors, ShapeOverflow) {
  expect_rejected(
      raw_safetensors(
          R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})", 4),
      {"tensor 'w'", "overflows"});
  // 2^62 elements fit in 64 bits but not once multiplied by 4 bytes.
  expect_rejected(
      raw_safetensors(R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,4]}})",
                      4),
      {"tensor 'w'", "overflows"});
  expect_rejected(
      raw_safetensors(R"({"w":{"dtype":"U8","shape":[18446744073709551615],"data_offsets":[0,4]}})",
                      4),
      {"tensor 'w'", "overflows"});
}

TEST(SafetensorsErrors, MalformedDataOffsets) {
  for (const char* offsets : {"[0]", "[0,1,2]", "\"0-4\"", "[\"0\",4]", "[-1,3]", "[0,4.0]"}) {
    SCOPED_TRACE(offsets);
    expect_rejected(
        raw_safetensors(
            std::string(R"({"w":{"dtype":"U8","shape":[4],"data_offsets":)") + offsets + "}}", 4),
        {"tensor 'w'", "\"data_offsets\" must be [begin, end]"});
  }
}

TEST(SafetensorsErrors, BeginAfterEnd) {
  expect_rejected(raw_safetensors(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}})", 4),
                  {"tensor 'w'", "[4, 0] begin after they end"});
}

TEST(SafetensorsErrors, OffsetsPastTheEndOfTheFile) {
  expect_rejected(raw_safetensors(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8),
                  {"tensor 'w'", "[0, 16] run past the end of the file", "holds 8 bytes"});
  expect_rejected(
      raw_safetensors(
          R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[18446744073709551610,18446744073709551614]}})",
          4),
      {"tensor 'w'", "run past the end"});
}

TEST(SafetensorsErrors, ByteCountDisagreesWithShape) {
  expect_rejected(
      raw_safetensors(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}})", 12),
      {"tensor 'w'", "hold 12 bytes but shape [2, 2] of F32 needs 16"});
}

TEST(SafetensorsErrors, OverlappingTensors) {
  expect_rejected(raw_safetensors(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                  R"("b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}})",
                                  6),
                  {"tensor 'b'", "overlap tensor 'a' at [0, 4]"});
  // Two names for the same bytes (aliasing) is an overlap too.
  expect_rejected(raw_safetensors(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                  R"("b":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})",
                                  4),
                  {"overlap"});
}

TEST(SafetensorsErrors, GapBetweenTensors) {
  expect_rejected(raw_safetensors(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                  R"("b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}})",
                                  8),
                  {"tensor 'b'", "leave bytes [4, 6]", "covered by no tensor"});
  expect_rejected(raw_safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})", 4),
                  {"tensor 'a'", "leave bytes [0, 2]"});
}

TEST(SafetensorsErrors, TrailingBytesAfterTheLastTensor) {
  expect_rejected(raw_safetensors(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", 9),
                  {"5 bytes after the last tensor", "[4, 9]"});
  expect_rejected(raw_safetensors("{}", 1), {"1 bytes after the last tensor"});
}

TEST(SafetensorsErrors, DuplicateTensorNames) {
  expect_rejected(raw_safetensors(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                                  R"("a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
                                  4),
                  {"tensor 'a'", "appears twice"});
}

TEST(SafetensorsErrors, MetadataMustMapStringsToStrings) {
  expect_rejected(raw_safetensors(R"({"__metadata__":{"format":1}})", 0),
                  {"\"__metadata__\"", "'format'", "not a string"});
  expect_rejected(raw_safetensors(R"({"__metadata__":["pt"]})", 0), {"\"__metadata__\""});
}

TEST(SafetensorsErrors, OpenNamesThePath) {
  const auto dir = test::scratch_dir();
  try {
    (void)SafetensorsFile::open(dir / "absent.safetensors");
    ADD_FAILURE() << "opened a missing file";
  } catch (const InputError& error) {
    EXPECT_EQ(error.file(), (dir / "absent.safetensors").string());
    EXPECT_THAT(error.what(), HasSubstr("cannot open"));
  }
  EXPECT_THROW((void)SafetensorsFile::open(dir), InputError);  // a directory

  const auto path = dir / "short.safetensors";
  test::write_bytes(
      path, raw_safetensors(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4));
  try {
    (void)SafetensorsFile::open(path);
    ADD_FAILURE() << "opened a truncated file";
  } catch (const InputError& error) {
    EXPECT_EQ(error.file(), path.string());
    EXPECT_THAT(error.what(), HasSubstr("tensor 'w'"));
  }
}

TEST(SafetensorsErrors, ToF32RefusesIntegerTensors) {
  const auto file = SafetensorsFile::parse(
      raw_safetensors(R"({"ids":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}})", 4));
  try {
    (void)to_f32(*file.find("ids"));
    ADD_FAILURE() << "converted I32";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr("ids"));
    EXPECT_THAT(error.what(), HasSubstr("I32"));
  }
}

}  // namespace
}  // namespace reasonrec::engine
