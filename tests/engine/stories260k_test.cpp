// stories260K converted from llama2.c's format (with the tokenizer.json the converter makes from
// tok512.bin: libsentencepiece cannot load a .model in a binary that links torch, see
// src/engine/CMakeLists.txt) and run through the ordinary Hugging Face
// loading path must reproduce llama2.c's own greedy outputs and logits
// (../shared/models/stories260K, made by run.c).

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/llama2c.hpp"
#include "engine/local_model.hpp"
#include "llm/backend.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::engine {
namespace {

std::filesystem::path stories(const std::string& file) {
  return test::shared_dir() / "models" / "stories260K" / file;
}

std::vector<nlohmann::json> read_jsonl(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

std::filesystem::path convert(const std::string& checkpoint, const std::string& tokenizer) {
  const auto dir = test::scratch_dir() / "model";
  convert_llama2c(stories(checkpoint), stories(tokenizer), dir);
  return dir;
}

class Stories260K : public ::testing::TestWithParam<const char*> {};

TEST_P(Stories260K, ReproducesEveryGreedyReferenceOfRunC) {
  const LocalModel model = LocalModel::load(convert(GetParam(), "tok512.bin"));
  int checked = 0;
  for (const nlohmann::json& record : read_jsonl(stories("expected.jsonl"))) {
    if (record.at("temperature").get<double>() != 0.0) continue;
    const std::string prompt = record.at("prompt");
    SCOPED_TRACE("prompt \"" + prompt + "\", steps " + record.at("steps").dump());
    const auto prompt_tokens = record.at("prompt_tokens").get<std::vector<std::int32_t>>();
    const auto next_tokens = record.at("next_tokens").get<std::vector<std::int32_t>>();

    // The tokenizer.json made from tok512.bin encodes exactly as run.c does.
    EXPECT_EQ(model.tokenizer().encode(prompt, true), prompt_tokens);

    // run.c feeds the prompt, then samples until `steps` positions (clamped to seq_len) or BOS.
    int steps = record.at("steps").get<int>();
    if (steps <= 0 || steps > 512) steps = 512;
    GenerationSpec spec;
    spec.prompt = prompt_tokens;
    spec.max_new_tokens = steps - static_cast<int>(prompt_tokens.size()) + 1;
    spec.ignore_eos = true;  // run.c stops on BOS only
    spec.stop_token_ids = {1};
    const Generation g = model.generate(std::span(&spec, 1)).at(0).at(0);
    std::vector<std::int32_t> produced(prompt_tokens.begin() + 1, prompt_tokens.end());
    produced.insert(produced.end(), g.tokens.begin(), g.tokens.end());
    if (g.stop_token >= 0) produced.push_back(g.stop_token);
    EXPECT_EQ(produced, next_tokens);
    EXPECT_EQ(g.stop_token == 1, record.at("stopped_on_bos").get<bool>());

    // The decoded text, every byte kept.
    std::vector<std::int32_t> all = prompt_tokens;
    all.insert(all.end(), g.tokens.begin(), g.tokens.end());
    const std::string expected =
        record.value("decoded_utf8", record.at("expected").get<std::string>());
    EXPECT_EQ(model.tokenizer().decode(all, true), expected);
    ++checked;
  }
  EXPECT_EQ(checked, 16);
}

TEST_P(Stories260K, LogitsMatchRunCToOneInTenThousand) {
  const LocalModel model = LocalModel::load(convert(GetParam(), "tok512.bin"));
  std::map<std::string, std::vector<nlohmann::json>> runs;
  for (const nlohmann::json& record : read_jsonl(stories("logits.jsonl"))) {
    runs[record.at("prompt").get<std::string>()].push_back(record);
  }
  ASSERT_EQ(runs.size(), 2u);
  for (const auto& [prompt, records] : runs) {
    std::vector<std::int32_t> inputs;
    for (const auto& r : records) inputs.push_back(r.at("input_token").get<std::int32_t>());
    const auto logits = model.logits(inputs);
    ASSERT_EQ(logits.size(), records.size());
    for (std::size_t pos = 0; pos < records.size(); ++pos) {
      const auto expected = records[pos].at("logits").get<std::vector<float>>();
      ASSERT_EQ(logits[pos].size(), expected.size());
      float worst = 0.0f;
      for (std::size_t v = 0; v < expected.size(); ++v) {
        worst = std::max(worst, std::abs(logits[pos][v] - expected[v]));
      }
      EXPECT_LE(worst, 1e-4f) << prompt << " at position " << pos;
    }
  }
}

std::string greedy_reference(const std::string& prompt) {
  for (const nlohmann::json& record : read_jsonl(stories("expected.jsonl"))) {
    if (record.at("prompt") == prompt && record.at("temperature").get<double>() == 0.0) {
      return record.at("expected");
    }
  }
  return "";
}

TEST(LocalBackend, CompletionRequestsContinueThePromptLikeRunC) {
  const auto backend = make_local_backend(convert("stories260K.bin", "tok512.bin"));
  EXPECT_EQ(backend->name(), "local");
  std::vector<llm::GenerationRequest> requests(3);
  requests[0].api = llm::Api::Completion;
  requests[0].prompt = "Once upon a time";
  requests[0].params.max_tokens = 12;
  requests[0].params.top_logprobs = 5;
  requests[1] = requests[0];
  requests[1].params.temperature = 1.0;
  requests[1].params.seed = 5;
  requests[1].n = 2;
  requests[1].first_sample = 3;
  requests[2].api = llm::Api::Completion;
  for (int i = 0; i < 200; ++i) requests[2].prompt += "\xF0\x9F\x8D\xB0";  // 4 byte tokens each
  const auto completions = llm::generate_all(*backend, requests);
  ASSERT_EQ(completions.size(), 4u);
  const llm::Completion& greedy = completions[0];
  ASSERT_TRUE(greedy.ok) << greedy.error;
  const std::string reference = greedy_reference("Once upon a time");
  EXPECT_EQ(reference.substr(0, 16 + greedy.text.size()), "Once upon a time" + greedy.text);
  EXPECT_EQ(greedy.finish_reason, "length");
  EXPECT_EQ(greedy.usage.prompt_tokens, 5);
  EXPECT_EQ(greedy.usage.completion_tokens, 12);
  ASSERT_TRUE(greedy.logprobs.has_value());
  ASSERT_EQ(greedy.logprobs->size(), 12u);
  EXPECT_EQ((*greedy.logprobs)[0].token, ",");
  EXPECT_EQ((*greedy.logprobs)[0].top.size(), 5u);
  // Samples 3 and 4 of a seeded request, each its own stream.
  EXPECT_EQ(completions[1].sample, 3);
  EXPECT_EQ(completions[2].sample, 4);
  EXPECT_TRUE(completions[1].ok && completions[2].ok);
  std::vector<llm::GenerationRequest> just_sample_4 = {requests[1]};
  just_sample_4[0].n = 1;
  just_sample_4[0].first_sample = 4;
  EXPECT_EQ(llm::generate_all(*backend, just_sample_4)[0].text, completions[2].text);
  // An over-long prompt fails alone, with its reason.
  EXPECT_FALSE(completions[3].ok);
  EXPECT_NE(completions[3].error.find("context"), std::string::npos) << completions[3].error;
}

TEST(GenerateCommand, PrintsTheGreedyContinuation) {
  const auto dir = convert("stories260K.bin", "tok512.bin");
  const auto result = test::run_reasonrec(
      {"generate", "--model", dir.string(), "--prompt", "Once upon a time", "--max-tokens", "20"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  ASSERT_FALSE(result.out.empty());
  const std::string printed = result.out.substr(0, result.out.size() - 1);  // final newline
  EXPECT_GT(printed.size(), 40u);
  EXPECT_EQ(greedy_reference("Once upon a time").substr(0, printed.size()), printed);
}

INSTANTIATE_TEST_SUITE_P(LegacyAndVersion1, Stories260K,
                         ::testing::Values("stories260K.bin", "stories260K_v1.bin"));

}  // namespace
}  // namespace reasonrec::engine
