// Hugging Face model directories: single-file and sharded weights, and every way they break.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "checkpoint/raw_file.hpp"
#include "engine/checkpoint/checkpoint_dir.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using test::bytes_of;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

void write_tensors(const fs::path& path, const std::vector<std::string>& names) {
  static const std::vector<float> values{1, 2};
  std::vector<TensorToWrite> tensors;
  for (const auto& name : names) tensors.push_back({name, DType::F32, {2}, bytes_of(values)});
  write_safetensors(path, tensors);
}

void expect_open_fails(const fs::path& dir, const fs::path& file,
                       const std::vector<std::string>& fragments) {
  try {
    (void)CheckpointDir::open(dir);
    ADD_FAILURE() << "opened a broken model directory";
  } catch (const InputError& error) {
    EXPECT_EQ(error.file(), file.string());
    for (const auto& fragment : fragments) EXPECT_THAT(error.what(), HasSubstr(fragment));
  }
}

// A sharded directory: a.weight in shard 1, b.weight and c.weight in shard 2.
fs::path sharded_dir() {
  const auto dir = test::scratch_dir();
  write_text(dir / "config.json", R"({"model_type": "llama"})");
  write_tensors(dir / "model-00001-of-00002.safetensors", {"a.weight"});
  write_tensors(dir / "model-00002-of-00002.safetensors", {"b.weight", "c.weight"});
  write_text(dir / "model.safetensors.index.json",
             R"({"metadata": {"total_size": 24}, "weight_map": {
               "a.weight": "model-00001-of-00002.safetensors",
               "b.weight": "model-00002-of-00002.safetensors",
               "c.weight": "model-00002-of-00002.safetensors"}})");
  return dir;
}

TEST(CheckpointDir, OpensASingleFileModel) {
  const auto dir = test::scratch_dir();
  write_text(dir / "config.json", R"({"model_type": "llama", "hidden_size": 8})");
  write_text(dir / "generation_config.json", R"({"eos_token_id": 2})");
  write_tensors(dir / "model.safetensors", {"model.norm.weight", "lm_head.weight"});
  const auto checkpoint = CheckpointDir::open(dir);
  EXPECT_EQ(checkpoint.dir(), dir);
  EXPECT_EQ(checkpoint.config().at("hidden_size"), 8);
  ASSERT_NE(checkpoint.generation_config(), nullptr);
  EXPECT_EQ(checkpoint.generation_config()->at("eos_token_id"), 2);
  EXPECT_THAT(checkpoint.tensor_names(), ElementsAre("lm_head.weight", "model.norm.weight"));
  EXPECT_EQ(to_f32(checkpoint.tensor("lm_head.weight")), (std::vector<float>{1, 2}));
  EXPECT_EQ(checkpoint.find("absent"), nullptr);
  EXPECT_EQ(checkpoint.file_of("lm_head.weight")->path(), dir / "model.safetensors");
  try {
    (void)checkpoint.tensor("absent.weight");
    ADD_FAILURE() << "found a missing tensor";
  } catch (const InputError& error) {
    EXPECT_EQ(error.file(), (dir / "model.safetensors").string());
    EXPECT_THAT(error.what(), HasSubstr("tensor 'absent.weight' not found"));
  }
}

TEST(CheckpointDir, GenerationConfigIsOptional) {
  const auto dir = test::scratch_dir();
  write_text(dir / "config.json", "{}");
  write_tensors(dir / "model.safetensors", {"w"});
  EXPECT_EQ(CheckpointDir::open(dir).generation_config(), nullptr);
}

TEST(CheckpointDir, OpensShardedWeightsOpeningEachShardOnce) {
  const auto dir = sharded_dir();
  auto checkpoint = CheckpointDir::open(dir);
  EXPECT_EQ(checkpoint.files().size(), 2u);
  EXPECT_THAT(checkpoint.tensor_names(), ElementsAre("a.weight", "b.weight", "c.weight"));
  EXPECT_EQ(checkpoint.file_of("c.weight")->path(), dir / "model-00002-of-00002.safetensors");
  EXPECT_EQ(to_f32(checkpoint.tensor("b.weight")), (std::vector<float>{1, 2}));
  // The checkpoint moves without invalidating its views.
  const CheckpointDir moved = std::move(checkpoint);
  EXPECT_EQ(moved.find("a.weight")->name, "a.weight");
  try {
    (void)moved.tensor("z");
    ADD_FAILURE() << "found a missing tensor";
  } catch (const InputError& error) {
    EXPECT_EQ(error.file(), (dir / "model.safetensors.index.json").string());
  }
}

TEST(CheckpointDir, SingleFileWinsOverAnIndex) {
  const auto dir = sharded_dir();
  write_tensors(dir / "model.safetensors", {"only"});
  EXPECT_THAT(CheckpointDir::open(dir).tensor_names(), ElementsAre("only"));
}

TEST(CheckpointDir, MissingDirectoryOrConfig) {
  const auto dir = test::scratch_dir();
  expect_open_fails(dir / "nope", dir / "nope", {"not a model directory"});
  write_tensors(dir / "model.safetensors", {"w"});
  expect_open_fails(dir, dir / "config.json", {"missing", "config.json"});
  write_text(dir / "config.json", R"({"hidden_size": )");
  expect_open_fails(dir, dir / "config.json", {"not valid JSON"});
  write_text(dir / "config.json", "[1]");
  expect_open_fails(dir, dir / "config.json", {"not a JSON object"});
  write_text(dir / "config.json", "{}");
  write_text(dir / "generation_config.json", "{oops");
  expect_open_fails(dir, dir / "generation_config.json", {"not valid JSON"});
}

TEST(CheckpointDir, MissingWeights) {
  const auto dir = test::scratch_dir();
  write_text(dir / "config.json", "{}");
  expect_open_fails(dir, dir, {"no model.safetensors or model.safetensors.index.json"});
  write_text(dir / "pytorch_model.bin", "pickle");
  expect_open_fails(dir, dir, {"pytorch_model.bin is a pickle"});
}

TEST(CheckpointDir, CorruptWeightsNameTheFile) {
  const auto dir = test::scratch_dir();
  write_text(dir / "config.json", "{}");
  write_text(dir / "model.safetensors", "garbage");
  expect_open_fails(dir, dir / "model.safetensors", {"too short"});
  const auto sharded = sharded_dir();
  write_text(sharded / "model-00002-of-00002.safetensors", "garbage!garbage!");
  expect_open_fails(sharded, sharded / "model-00002-of-00002.safetensors", {"header length"});
}

TEST(CheckpointDir, IndexPointingAtAMissingShard) {
  const auto dir = sharded_dir();
  fs::remove(dir / "model-00002-of-00002.safetensors");
  expect_open_fails(dir, dir / "model.safetensors.index.json",
                    {"tensor 'b.weight'", "model-00002-of-00002.safetensors", "does not exist"});
}

TEST(CheckpointDir, TensorListedInTheIndexButAbsentFromItsShard) {
  const auto dir = sharded_dir();
  write_tensors(dir / "model-00002-of-00002.safetensors", {"b.weight"});
  expect_open_fails(dir, dir / "model-00002-of-00002.safetensors",
                    {"tensor 'c.weight'", "listed in model.safetensors.index.json", "absent"});
}

TEST(CheckpointDir, TensorPresentInTwoShards) {
  const auto dir = sharded_dir();
  write_tensors(dir / "model-00002-of-00002.safetensors", {"a.weight", "b.weight", "c.weight"});
  expect_open_fails(dir, dir / "model-00002-of-00002.safetensors",
                    {"tensor 'a.weight'", "also in shard model-00001-of-00002.safetensors"});
}

TEST(CheckpointDir, MalformedIndex) {
  const auto dir = sharded_dir();
  const auto index = dir / "model.safetensors.index.json";
  write_text(index, R"({"metadata": {}})");
  expect_open_fails(dir, index, {"missing object \"weight_map\""});
  write_text(index, R"({"weight_map": {"a.weight": 3}})");
  expect_open_fails(dir, index, {"'a.weight'", "not a file name"});
  for (const char* escape : {"../config.json", "/etc/passwd", "sub/x.safetensors", ".."}) {
    SCOPED_TRACE(escape);
    write_text(index, std::string(R"({"weight_map": {"a.weight": ")") + escape + "\"}}");
    expect_open_fails(dir, index, {"not a plain file name"});
  }
  write_text(index, "{");
  expect_open_fails(dir, index, {"not valid JSON"});
}

}  // namespace
}  // namespace reasonrec::engine
