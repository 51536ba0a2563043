// Reading and writing safetensors: byte-exact agreement with the reference writer's published
// test vectors, round trips, layout rules, atomic writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "checkpoint/raw_file.hpp"
#include "engine/checkpoint/safetensors.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using test::bytes_of;
using ::testing::ElementsAre;

std::vector<std::byte> literal(std::string_view length_prefix_and_header) {
  std::vector<std::byte> out(length_prefix_and_header.size());
  std::memcpy(out.data(), length_prefix_and_header.data(), out.size());
  return out;
}

std::vector<std::byte> concat(std::vector<std::byte> a, std::span<const std::byte> b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The byte arrays below are the expected outputs in the reference implementation's own unit
// tests (huggingface/safetensors, safetensors/src/tensor.rs: test_serialization, test_empty,
// test_serialization_forced_alignement), transcribed as text.
const std::vector<float> kReferenceValues{0, 1, 2, 3, 4, 5};

TEST(Safetensors, MatchesReferenceSerialization) {
  const TensorToWrite tensor{"attn.0", DType::F32, {1, 2, 3}, bytes_of(kReferenceValues)};
  const auto expected =
      concat(literal(std::string(std::string_view("\x40\0\0\0\0\0\0\0", 8)) +
                     R"({"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}})"),
             bytes_of(kReferenceValues));
  EXPECT_EQ(serialize_safetensors({&tensor, 1}), expected);

  const auto parsed = SafetensorsFile::parse(expected);
  ASSERT_EQ(parsed.tensors().size(), 1u);
  EXPECT_EQ(parsed.tensors()[0].name, "attn.0");
  EXPECT_THAT(parsed.tensors()[0].shape, ElementsAre(1, 2, 3));
  EXPECT_EQ(to_f32(parsed.tensors()[0]), kReferenceValues);
}

TEST(Safetensors, MatchesReferencePaddingToEightBytes) {
  const TensorToWrite tensor{"attn0", DType::F32, {1, 1, 2, 3}, bytes_of(kReferenceValues)};
  const auto expected = concat(
      literal(std::string(std::string_view("\x48\0\0\0\0\0\0\0", 8)) +
              R"({"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}})" + "       "),
      bytes_of(kReferenceValues));
  const auto bytes = serialize_safetensors({&tensor, 1});
  EXPECT_EQ(bytes, expected);
  const auto parsed = SafetensorsFile::parse(bytes);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(parsed.tensors()[0].data.data()) % 4, 0u);
}

TEST(Safetensors, MatchesReferenceEmptyFiles) {
  EXPECT_EQ(serialize_safetensors({}),
            literal(std::string(std::string_view("\x08\0\0\0\0\0\0\0", 8)) + "{}      "));
  const auto with_metadata = serialize_safetensors({}, {{"framework", "pt"}});
  EXPECT_EQ(with_metadata, literal(std::string(std::string_view("\x28\0\0\0\0\0\0\0", 8)) +
                                   R"({"__metadata__":{"framework":"pt"}})" + "     "));
  const auto parsed = SafetensorsFile::parse(with_metadata);
  EXPECT_TRUE(parsed.tensors().empty());
  EXPECT_EQ(parsed.metadata(), (std::map<std::string, std::string>{{"framework", "pt"}}));
}

TEST(Safetensors, ReadsTheReferenceDocumentationExample) {
  // The example in the reference crate's documentation: an unpadded 60-byte header.
  const auto bytes = literal(std::string(std::string_view("<\0\0\0\0\0\0\0", 8)) +
                             R"({"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}})" +
                             std::string(16, '\0'));
  const auto parsed = SafetensorsFile::parse(bytes);
  ASSERT_NE(parsed.find("test"), nullptr);
  EXPECT_EQ(parsed.find("test")->dtype, DType::I32);
  EXPECT_EQ(parsed.find("test")->numel(), 4);
  EXPECT_EQ(parsed.find("test")->data.size(), 16u);
}

TEST(Safetensors, RoundTripsEveryDtypeAndShape) {
  const std::vector<double> f64{1.5, -2.25};
  const std::vector<float> f32{0.5f, -1.0f, 3.0f, 1e-30f, -0.0f, 7.0f};
  const std::vector<std::uint16_t> f16{0x3c00, 0x8001, 0x7c00};
  const std::vector<std::uint16_t> bf16{0x3f80, 0xc000};
  const std::vector<std::int64_t> i64{-1, 1LL << 40};
  const std::vector<std::int32_t> i32{7};
  const std::vector<std::int16_t> i16{-3, 4, 5, 6};
  const std::vector<std::int8_t> i8{-128, 127, 0};
  const std::vector<std::uint8_t> u8{255};
  const std::vector<std::uint8_t> flags{1, 0, 1};
  const std::vector<float> none;
  const std::vector<TensorToWrite> tensors{
      {"f64", DType::F64, {2}, bytes_of(f64)},
      {"model.layers.0.weight", DType::F32, {2, 3}, bytes_of(f32)},
      {"f16", DType::F16, {3}, bytes_of(f16)},
      {"bf16", DType::BF16, {1, 2}, bytes_of(bf16)},
      {"i64", DType::I64, {2}, bytes_of(i64)},
      {"i32.scalar", DType::I32, {}, bytes_of(i32)},
      {"i16", DType::I16, {2, 1, 2}, bytes_of(i16)},
      {"i8", DType::I8, {3}, bytes_of(i8)},
      {"u8", DType::U8, {1}, bytes_of(u8)},
      {"flags", DType::Bool, {3}, bytes_of(flags)},
      {"empty", DType::F32, {0, 4}, bytes_of(none)},
      {"名前 \"quoted\"\n", DType::U8, {1}, bytes_of(u8)},
  };
  const std::map<std::string, std::string> metadata{{"format", "pt"}, {"note", "ünïcode \"x\""}};
  const auto path = test::scratch_dir() / "all.safetensors";
  write_safetensors(path, tensors, metadata);
  EXPECT_EQ(test::read_bytes(path), serialize_safetensors(tensors, metadata));

  const auto file = SafetensorsFile::open(path);
  EXPECT_EQ(file.path(), path);
  EXPECT_EQ(file.metadata(), metadata);
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (const auto& tensor : tensors) {
    SCOPED_TRACE(tensor.name);
    const auto* view = file.find(tensor.name);
    ASSERT_NE(view, nullptr);
    EXPECT_EQ(view->dtype, tensor.dtype);
    EXPECT_EQ(view->shape, tensor.shape);
    ASSERT_EQ(view->data.size(), tensor.data.size());
    EXPECT_TRUE(std::equal(view->data.begin(), view->data.end(), tensor.data.begin()));
    // Every tensor is aligned to its element size within the mapping.
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(view->data.data()) % dtype_size(view->dtype), 0u);
  }
  EXPECT_EQ(file.find("i32.scalar")->numel(), 1);
  EXPECT_EQ(file.find("empty")->numel(), 0);
  EXPECT_EQ(file.find("absent"), nullptr);
  EXPECT_EQ(to_f32(*file.find("model.layers.0.weight")), f32);
  EXPECT_EQ(to_f32(*file.find("f64")), (std::vector<float>{1.5f, -2.25f}));
  EXPECT_TRUE(to_f32(*file.find("empty")).empty());
}

TEST(Safetensors, WritesInTheReferenceOrder) {
  // Descending element alignment (I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL), then name.
  const std::vector<std::uint8_t> one_byte{1};
  const std::vector<std::uint16_t> two{1};
  const std::vector<std::uint32_t> four{1};
  const std::vector<std::uint64_t> eight{1};
  const std::vector<TensorToWrite> tensors{
      {"a_bool", DType::Bool, {1}, bytes_of(one_byte)},
      {"b_f16", DType::F16, {1}, bytes_of(two)},
      {"a_f16", DType::F16, {1}, bytes_of(two)},
      {"z_bf16", DType::BF16, {1}, bytes_of(two)},
      {"c_i64", DType::I64, {1}, bytes_of(eight)},
      {"d_f64", DType::F64, {1}, bytes_of(eight)},
      {"e_u8", DType::U8, {1}, bytes_of(one_byte)},
      {"f_i8", DType::I8, {1}, bytes_of(one_byte)},
      {"g_f32", DType::F32, {1}, bytes_of(four)},
      {"h_i32", DType::I32, {1}, bytes_of(four)},
      {"i_i16", DType::I16, {1}, bytes_of(two)},
  };
  const auto file = SafetensorsFile::parse(serialize_safetensors(tensors));
  std::vector<std::string> order;
  for (const auto& view : file.tensors()) order.push_back(view.name);
  EXPECT_THAT(order, ElementsAre("c_i64", "d_f64", "g_f32", "h_i32", "z_bf16", "a_f16", "b_f16",
                                 "i_i16", "f_i8", "e_u8", "a_bool"));
}

TEST(Safetensors, ReadsTensorsListedInAnyOrder) {
  // Headers written by other tools list tensors in any order; offsets decide.
  const auto file = SafetensorsFile::parse(
      test::raw_safetensors(R"({"second":{"dtype":"U8","shape":[2],"data_offsets":[3,5]},)"
                            R"("first":{"dtype":"U8","shape":[3],"data_offsets":[0,3]},)"
                            R"("__metadata__":{"k":"v"}, "zero":{"dtype":"F32","shape":[0],)"
                            R"("data_offsets":[5,5],"extra":"ignored"}})",
                            5));
  ASSERT_EQ(file.tensors().size(), 3u);
  EXPECT_EQ(file.tensors()[0].name, "first");
  EXPECT_EQ(file.tensors()[1].name, "second");
  EXPECT_EQ(file.tensors()[2].name, "zero");
  EXPECT_EQ(file.metadata().at("k"), "v");
}

TEST(Safetensors, ViewsOutliveTheFileObjectThroughKeepAlive) {
  const std::vector<float> values{1, 2, 3};
  const TensorToWrite tensor{"w", DType::F32, {3}, bytes_of(values)};
  const auto path = test::scratch_dir() / "w.safetensors";
  write_safetensors(path, {&tensor, 1});
  std::shared_ptr<const void> keep;
  std::span<const std::byte> data;
  {
    const auto file = SafetensorsFile::open(path);
    keep = file.keep_alive();
    data = file.find("w")->data;
  }
  std::filesystem::remove(path);  // the mapping survives the file's name
  std::vector<float> read(3);
  std::memcpy(read.data(), data.data(), 12);
  EXPECT_EQ(read, values);
}

TEST(Safetensors, WriterRejectsInconsistentInput) {
  const std::vector<float> three{1, 2, 3};
  const std::vector<TensorToWrite> wrong_size{{"w", DType::F32, {2, 2}, bytes_of(three)}};
  EXPECT_THROW((void)serialize_safetensors(wrong_size), Error);
  const std::vector<TensorToWrite> negative{{"w", DType::F32, {-3}, bytes_of(three)}};
  EXPECT_THROW((void)serialize_safetensors(negative), Error);
  const std::vector<TensorToWrite> twice{{"w", DType::F32, {3}, bytes_of(three)},
                                         {"w", DType::F32, {3}, bytes_of(three)}};
  EXPECT_THROW((void)serialize_safetensors(twice), Error);
  const std::vector<TensorToWrite> reserved{{"__metadata__", DType::F32, {3}, bytes_of(three)}};
  EXPECT_THROW((void)serialize_safetensors(reserved), Error);
  const std::vector<TensorToWrite> bad_utf8{{"\xff", DType::F32, {3}, bytes_of(three)}};
  EXPECT_THROW((void)serialize_safetensors(bad_utf8), Error);
}

TEST(Safetensors, WritesAtomically) {
  const auto dir = test::scratch_dir();
  const auto path = dir / "model.safetensors";
  const std::vector<float> first{1}, second{2, 3};
  const TensorToWrite a{"w", DType::F32, {1}, bytes_of(first)};
  const TensorToWrite b{"w", DType::F32, {2}, bytes_of(second)};
  write_safetensors(path, {&a, 1});
  write_safetensors(path, {&b, 1});  // replaces the old file
  EXPECT_EQ(to_f32(*SafetensorsFile::open(path).find("w")), second);
  // A failing write (the 'directory' is a file) leaves nothing behind and throws.
  EXPECT_THROW(write_safetensors(path / "inner.safetensors", {&a, 1}), Error);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(names, ElementsAre("model.safetensors"));
}

TEST(Safetensors, FuzzSeedsAreValidFiles) {
  const auto seeds = std::filesystem::path(REASONREC_SOURCE_DIR) / "fuzz/seeds/safetensors";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(seeds)) {
    SCOPED_TRACE(entry.path().string());
    EXPECT_NO_THROW((void)SafetensorsFile::open(entry.path()));
    ++count;
  }
  EXPECT_GE(count, 4);
}

}  // namespace
}  // namespace reasonrec::engine
