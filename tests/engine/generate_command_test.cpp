// `reasonrec generate` on stories260K (converted from llama2.c's format): after an empty prompt
// the output is what the tokenizer decodes for the generated ids (llama2.c's own text, no
// leading space), and `--constraint` forces the output into the constraint's format.

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/checkpoint/llama2c.hpp"
#include "engine/local_model.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::engine {
namespace {

std::filesystem::path stories(const std::string& file) {
  return test::shared_dir() / "models" / "stories260K" / file;
}

const std::filesystem::path& model_dir() {
  static const std::filesystem::path dir = [] {
    const auto out = test::scratch_dir() / "stories260K";
    convert_llama2c(stories("stories260K.bin"), stories("tok512.bin"), out);
    return out;
  }();
  return dir;
}

// llama2.c's greedy text after an empty prompt (expected.jsonl, made by run.c).
std::string run_c_text_after_empty_prompt() {
  std::ifstream in(stories("expected.jsonl"));
  for (std::string line; std::getline(in, line);) {
    const auto record = nlohmann::json::parse(line);
    if (record.at("prompt") == "" && record.at("temperature").get<double>() == 0.0) {
      return record.at("expected").get<std::string>();
    }
  }
  return {};
}

// stdout without its final newline.
std::string printed(const test::RunResult& result) {
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(result.out.ends_with('\n'));
  return result.out.substr(0, result.out.empty() ? 0 : result.out.size() - 1);
}

TEST(GenerateCommand, AfterAnEmptyPromptPrintsWhatTheTokenizerDecodes) {
  const std::string out = printed(test::run_reasonrec(
      {"generate", "--model", model_dir().string(), "--prompt", "", "--max-tokens", "24"}));
  ASSERT_GT(out.size(), 20u);
  EXPECT_NE(out.front(), ' ');
  // The same greedy tokens through the library: the tokenizer's decoding of them.
  const LocalModel model = LocalModel::load(model_dir());
  GenerationSpec spec;
  spec.prompt = model.tokenizer().encode("", true);
  spec.max_new_tokens = 24;
  const Generation g = model.generate(std::span(&spec, 1)).at(0).at(0);
  EXPECT_EQ(out, model.tokenizer().decode(g.tokens, true));
  EXPECT_EQ(g.text, " " + out);  // the continuation's own bytes keep the space
  const std::string reference = run_c_text_after_empty_prompt();
  ASSERT_FALSE(reference.empty());
  EXPECT_EQ(reference.substr(0, out.size()), out);
}

// The generated part of `reasonrec generate --prompt PROMPT ARGS...` (n = 1).
std::string continuation(const std::string& prompt, std::vector<std::string> args) {
  std::vector<std::string> all = {"generate", "--model", model_dir().string(), "--prompt", prompt};
  all.insert(all.end(), args.begin(), args.end());
  const std::string out = printed(test::run_reasonrec(all));
  EXPECT_TRUE(out.starts_with(prompt)) << out;
  return out.substr(std::min(prompt.size(), out.size()));
}

TEST(GenerateCommand, ConstraintForcesTheOutputFormat) {
  const std::string prompt = "Once upon a time";
  // Unconstrained, the model tells its story, in neither format.
  const std::string free = continuation(prompt, {"--max-tokens", "40"});
  const std::regex reason_rating("### Reason ###\n([^#]|#[^#]|##[^#])+\n### Rating ###\n[1-5]");
  const std::regex rating("[1-5]");
  EXPECT_FALSE(std::regex_match(free, reason_rating)) << free;
  EXPECT_FALSE(std::regex_match(free, rating)) << free;

  const std::string reasoned =
      continuation(prompt, {"--constraint", "reason-rating", "--max-tokens", "64"});
  EXPECT_TRUE(std::regex_match(reasoned, reason_rating)) << reasoned;
  const std::string digit = continuation(prompt, {"--constraint", "rating", "--max-tokens", "4"});
  EXPECT_TRUE(std::regex_match(digit, rating)) << digit;
  // A regex of one's own, sampled.
  const std::string answer =
      continuation(prompt, {"--constraint", " (yes|no)[.!]", "--temperature", "1", "--seed", "3"});
  EXPECT_TRUE(std::regex_match(answer, std::regex(" (yes|no)[.!]"))) << answer;
}

TEST(GenerateCommand, AnUnknownConstraintOrBadRegexIsAUsageError) {
  const auto result = test::run_reasonrec({"generate", "--model", model_dir().string(), "--prompt",
                                           "Once", "--constraint", "(unclosed"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
}

// A model directory that is not there is bad input (exit 1, named), as every missing input is.
TEST(GenerateCommand, AMissingModelDirectoryIsBadInput) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"generate", "--model", "/no/such/model", "--prompt", "Once"},
        std::vector<std::string>{"serve", "--model", "/no/such/model"}}) {
    const auto result = test::run_reasonrec(args);
    const std::string& command = args[0];
    EXPECT_EQ(result.exit_code, 1) << command << ": " << result.err;
    EXPECT_NE(result.err.find("/no/such/model: no such directory"), std::string::npos)
        << result.err;
  }
}

}  // namespace
}  // namespace reasonrec::engine
