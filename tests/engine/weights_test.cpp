// The torch bridge: save_checkpoint -> CheckpointDir -> load_f32 round trips exactly, F32 is
// loaded without a copy yet owns its memory, other dtypes convert like torch does.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <torch/torch.h>

#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/checkpoint/safetensors.hpp"
#include "engine/weights.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using ::testing::HasSubstr;

TEST(Weights, SaveThenLoadRoundTripsExactly) {
  torch::manual_seed(3);
  const auto dir = test::scratch_dir() / "model";
  const torch::Tensor embed = torch::randn({11, 4});
  const torch::Tensor transposed = torch::randn({3, 5}).t();  // not contiguous
  const torch::Tensor doubles = torch::randn({2, 2}, torch::kFloat64);
  const torch::Tensor scalar = torch::tensor(0.25);
  const nlohmann::json config{{"model_type", "llama"}, {"hidden_size", 4}};
  save_checkpoint(dir,
                  {{"model.embed_tokens.weight", embed},
                   {"lm_head.weight", transposed},
                   {"scale", doubles},
                   {"norm.eps", scalar}},
                  config);

  const auto checkpoint = CheckpointDir::open(dir);
  EXPECT_EQ(checkpoint.config(), config);
  EXPECT_EQ(checkpoint.files().front().metadata().at("format"), "pt");
  const auto loaded = load_f32(checkpoint, "model.embed_tokens.weight", {11, 4});
  EXPECT_TRUE(torch::equal(loaded, embed));
  EXPECT_TRUE(torch::equal(load_f32(checkpoint, "lm_head.weight", {5, 3}), transposed));
  EXPECT_TRUE(torch::equal(load_f32(checkpoint, "scale", {2, 2}), doubles.to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(load_f32(checkpoint, "norm.eps", {}), scalar));
  EXPECT_EQ(checkpoint.tensor("scale").dtype, DType::F32);
}

TEST(Weights, F32IsZeroCopyAndOutlivesTheCheckpoint) {
  const auto dir = test::scratch_dir() / "model";
  const torch::Tensor weight = torch::arange(12, torch::kFloat32).reshape({3, 4});
  save_checkpoint(dir, {{"w", weight}}, nlohmann::json::object());
  torch::Tensor loaded;
  {
    const auto checkpoint = CheckpointDir::open(dir);
    loaded = load_f32(checkpoint, "w", {3, 4});
    const auto& data = checkpoint.tensor("w").data;
    EXPECT_EQ(loaded.data_ptr(), static_cast<const void*>(data.data()));  // no copy
  }
  // The checkpoint is gone; the tensor still reads its mapping, and writing to it (as an
  // optimiser would) changes neither the file nor a fresh load.
  EXPECT_TRUE(torch::equal(loaded, weight));
  loaded.add_(1.0);
  EXPECT_TRUE(torch::equal(loaded, weight + 1));
  const auto again = CheckpointDir::open(dir);
  EXPECT_TRUE(torch::equal(load_f32(again, "w", {3, 4}), weight));
}

TEST(Weights, HalfPrecisionConvertsLikeTorch) {
  torch::manual_seed(5);
  const torch::Tensor source = torch::randn({4, 6}) * 50;
  const torch::Tensor half = source.to(torch::kFloat16).contiguous();
  const torch::Tensor brain = source.to(torch::kBFloat16).contiguous();
  const auto bytes = [](const torch::Tensor& t) {
    return std::span<const std::byte>(static_cast<const std::byte*>(t.data_ptr()),
                                      static_cast<std::size_t>(t.numel()) * 2);
  };
  const std::vector<TensorToWrite> tensors{{"h", DType::F16, {4, 6}, bytes(half)},
                                           {"b", DType::BF16, {4, 6}, bytes(brain)}};
  const auto path = test::scratch_dir() / "half.safetensors";
  write_safetensors(path, tensors);
  const auto file = SafetensorsFile::open(path);
  EXPECT_TRUE(torch::equal(load_f32(file, "h", {4, 6}), half.to(torch::kFloat32)));
  EXPECT_TRUE(torch::equal(load_f32(file, "b", {4, 6}), brain.to(torch::kFloat32)));
}

TEST(Weights, UnalignedF32IsCopied) {
  // An unpadded 57-byte header leaves the float data at an odd address in the mapping.
  const std::string header = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  ASSERT_NE((8 + header.size()) % 4, 0u);
  const float values[2] = {1.25f, -3.5f};
  const auto path = test::scratch_dir() / "odd.safetensors";
  {
    std::ofstream out(path, std::ios::binary);
    const std::uint64_t length = header.size();
    out.write(reinterpret_cast<const char*>(&length), 8);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    out.write(reinterpret_cast<const char*>(values), sizeof values);
  }
  const auto file = SafetensorsFile::open(path);
  const auto loaded = load_f32(file, "w", {2});
  EXPECT_TRUE(torch::equal(loaded, torch::tensor({1.25f, -3.5f})));
}

TEST(Weights, ShapeMismatchAndMissingTensorsNameTheFile) {
  const auto dir = test::scratch_dir() / "model";
  save_checkpoint(dir, {{"w", torch::zeros({2, 3})}}, nlohmann::json::object());
  const auto checkpoint = CheckpointDir::open(dir);
  try {
    (void)load_f32(checkpoint, "w", {3, 2});
    ADD_FAILURE() << "accepted a wrong shape";
  } catch (const InputError& error) {
    EXPECT_EQ(error.file(), (dir / "model.safetensors").string());
    EXPECT_THAT(error.what(), HasSubstr("tensor w has shape [2, 3], expected [3, 2]"));
  }
  try {
    (void)load_f32(checkpoint, "absent", {1});
    ADD_FAILURE() << "loaded a missing tensor";
  } catch (const InputError& error) {
    EXPECT_THAT(error.what(), HasSubstr("model.safetensors"));
    EXPECT_THAT(error.what(), HasSubstr("absent"));
  }
  EXPECT_THROW(save_checkpoint(dir, {{"ids", torch::zeros({2}, torch::kInt64)}}, {}), Error);
}

}  // namespace
}  // namespace reasonrec::engine
