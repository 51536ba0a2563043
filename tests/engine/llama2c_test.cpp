// `convert llama2c`: llama2.c checkpoints and tokenizers into the Hugging Face layout.

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "engine/checkpoint/llama2c.hpp"
#include "engine/local_model.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

std::filesystem::path model_file(const std::string& model, const std::string& file) {
  return test::shared_dir() / "models" / model / file;
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

nlohmann::json read_json(const std::filesystem::path& path) {
  return nlohmann::json::parse(slurp(path));
}

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

TEST(ConvertLlama2c, LegacyAndVersion1GiveTheSameWeights) {
  const auto dir = test::scratch_dir();
  convert_llama2c(model_file("stories260K", "stories260K.bin"),
                  model_file("stories260K", "tok512.model"), dir / "legacy");
  convert_llama2c(model_file("stories260K", "stories260K_v1.bin"),
                  model_file("stories260K", "tok512.model"), dir / "v1");
  EXPECT_EQ(slurp(dir / "legacy" / "model.safetensors"), slurp(dir / "v1" / "model.safetensors"));
  EXPECT_EQ(slurp(dir / "legacy" / "tokenizer.model"),
            slurp(model_file("stories260K", "tok512.model")));

  const nlohmann::json config = read_json(dir / "v1" / "config.json");
  EXPECT_EQ(config.at("model_type"), "llama");
  EXPECT_EQ(config.at("architectures").at(0), "LlamaForCausalLM");
  EXPECT_EQ(config.at("hidden_size"), 64);
  EXPECT_EQ(config.at("intermediate_size"), 172);
  EXPECT_EQ(config.at("num_hidden_layers"), 5);
  EXPECT_EQ(config.at("num_attention_heads"), 8);
  EXPECT_EQ(config.at("num_key_value_heads"), 4);
  EXPECT_EQ(config.at("vocab_size"), 512);
  EXPECT_EQ(config.at("max_position_embeddings"), 512);
  EXPECT_EQ(config.at("tie_word_embeddings"), true);
  EXPECT_EQ(config.at("bos_token_id"), 1);
  EXPECT_EQ(config.at("eos_token_id"), 2);

  const CheckpointDir checkpoint = CheckpointDir::open(dir / "v1");
  EXPECT_EQ(checkpoint.find("lm_head.weight"), nullptr);  // shared classifier
  EXPECT_EQ(checkpoint.tensor("model.layers.4.self_attn.k_proj.weight").shape,
            (std::vector<std::int64_t>{32, 64}));
  EXPECT_EQ(checkpoint.tensor("model.layers.0.mlp.down_proj.weight").shape,
            (std::vector<std::int64_t>{64, 172}));
}

TEST(ConvertLlama2c, TokenizerJsonFromTokenizerBinEncodesLikeRunC) {
  const auto dir = test::scratch_dir() / "model";
  convert_llama2c(model_file("stories260K", "stories260K.bin"),
                  model_file("stories260K", "tok512.bin"), dir);
  ASSERT_TRUE(std::filesystem::exists(dir / "tokenizer.json"));
  const auto tokenizer = load_tokenizer(dir);
  EXPECT_EQ(tokenizer->vocab_size(), 512);
  EXPECT_EQ(tokenizer->bos_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  int checked = 0;
  for (const auto& record : read_jsonl(model_file("stories260K", "tokenize.jsonl"))) {
    const std::string text = record.at("text");
    SCOPED_TRACE("text \"" + text + "\"");
    // Like transformers' Llama tokenizers, ours reads "<s>" / "</s>" in text as the special
    // tokens; run.c and SentencePiece spell them out.
    if (text.find("<s>") != std::string::npos || text.find("</s>") != std::string::npos) {
      ++checked;
      continue;
    }
    const auto expected = record.at("runc_tokens").get<std::vector<std::int32_t>>();
    const auto ids = tokenizer->encode(text, true);
    EXPECT_EQ(ids, expected);
    if (record.at("agree").get<bool>()) {
      EXPECT_EQ(ids, record.at("sentencepiece_tokens").get<std::vector<std::int32_t>>());
    }
    EXPECT_EQ(tokenizer->decode(ids, true), text);
    ++checked;
  }
  for (const auto& record : read_jsonl(model_file("stories260K", "expected.jsonl"))) {
    const std::string prompt = record.at("prompt");
    EXPECT_EQ(tokenizer->encode(prompt, true),
              record.at("prompt_tokens").get<std::vector<std::int32_t>>())
        << prompt;
    ++checked;
  }
  EXPECT_EQ(checked, 42);
}

TEST(ConvertLlama2c, AidreamsHasItsOwnShapeAndTokenizer) {
  const auto dir = test::scratch_dir() / "model";
  convert_llama2c(model_file("aidreams260K", "aidreams260K.bin"),
                  model_file("aidreams260K", "tok512.bin"), dir);
  const nlohmann::json config = read_json(dir / "config.json");
  EXPECT_EQ(config.at("hidden_size"), 64);
  EXPECT_EQ(config.at("num_hidden_layers"), 4);
  EXPECT_EQ(config.at("num_attention_heads"), 4);
  EXPECT_EQ(config.at("num_key_value_heads"), 4);
  EXPECT_EQ(config.at("max_position_embeddings"), 128);

  const LocalModel model = LocalModel::load(dir);
  GenerationSpec spec;
  spec.prompt = model.tokenizer().encode("", true);
  ASSERT_EQ(spec.prompt, (std::vector<std::int32_t>{1}));
  spec.max_new_tokens = 1000;  // more than the context: stops at 128 positions
  spec.ignore_eos = true;
  spec.stop_token_ids = {1};
  const Generation g = model.generate(std::span(&spec, 1)).at(0).at(0);
  ASSERT_FALSE(g.tokens.empty());
  EXPECT_LE(g.tokens.size(), 128u);
  if (g.stop_token < 0) {
    EXPECT_EQ(g.finish_reason, "length");
  }
  // Its text is what the tokenizer decodes from the tokens.
  std::vector<std::int32_t> all = spec.prompt;
  all.insert(all.end(), g.tokens.begin(), g.tokens.end());
  const std::string decoded = model.tokenizer().decode(all, true);
  EXPECT_TRUE(g.text == decoded || g.text == " " + decoded) << g.text << " vs " << decoded;
}

TEST(ConvertLlama2c, CliWritesTheSameDirectory) {
  const auto dir = test::scratch_dir();
  const auto result = test::run_reasonrec(
      {"convert", "llama2c", "--checkpoint", model_file("stories260K", "stories260K.bin").string(),
       "--tokenizer", model_file("stories260K", "tok512.bin").string(), "--out",
       (dir / "cli").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  convert_llama2c(model_file("stories260K", "stories260K.bin"),
                  model_file("stories260K", "tok512.bin"), dir / "api");
  for (const char* file :
       {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json"}) {
    EXPECT_EQ(slurp(dir / "cli" / file), slurp(dir / "api" / file)) << file;
  }
}

TEST(ConvertLlama2c, BadFilesAreNamedErrors) {
  const auto dir = test::scratch_dir();
  const std::string bytes = slurp(model_file("stories260K", "stories260K.bin"));
  {
    std::ofstream out(dir / "truncated.bin", std::ios::binary);
    out << bytes.substr(0, bytes.size() - 100);
  }
  try {
    read_llama2c(dir / "truncated.bin");
    FAIL() << "a truncated checkpoint was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated.bin"), std::string::npos) << e.what();
  }
  {
    std::ofstream out(dir / "garbage.bin", std::ios::binary);
    out << std::string(1000, '\x7f');
  }
  EXPECT_THROW(read_llama2c(dir / "garbage.bin"), InputError);
  // aidreams' tokenizer.bin is longer than stories' vocabulary would need: a vocab mismatch.
  const std::string tok = slurp(model_file("stories260K", "tok512.bin"));
  {
    std::ofstream out(dir / "short_tok.bin", std::ios::binary);
    out << tok.substr(0, tok.size() / 2);
  }
  EXPECT_THROW(convert_llama2c(model_file("stories260K", "stories260K.bin"), dir / "short_tok.bin",
                               dir / "out"),
               InputError);
}

}  // namespace
}  // namespace reasonrec::engine
