// `reasonrec predict --model DIR` on a real tiny model: stories260K (../shared/models),
// converted by `reasonrec convert llama2c` and run in-process. A model that writes children's
// stories keeps the paper's answer format under --constraint, and prompts built from real
// Amazon reviews are fitted to a small context with the model's own tokenizer.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "data/example_io.hpp"
#include "eval/prediction.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "test_helpers.hpp"

namespace reasonrec::llm {
namespace {

#ifdef REASONREC_TEST_IN_PROCESS

// stories260K as a Hugging Face model directory, its context cut to `context` positions.
std::filesystem::path tiny_model(const std::filesystem::path& dir, int context) {
  const auto stories = test::shared_dir() / "models" / "stories260K";
  const auto model = dir / "model";
  const auto r = test::run_reasonrec({"convert", "llama2c", "--checkpoint",
                                      (stories / "stories260K.bin").string(), "--tokenizer",
                                      (stories / "tok512.bin").string(), "--out", model.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json config;
  std::ifstream(model / "config.json") >> config;
  config["max_position_embeddings"] = context;
  std::ofstream(model / "config.json") << config.dump(2);
  return model;
}

std::vector<std::string> predict_args(const std::filesystem::path& examples,
                                      const std::filesystem::path& model,
                                      const std::filesystem::path& out,
                                      std::vector<std::string> extra) {
  std::vector<std::string> a = {"predict",    "--examples",   examples.string(),
                                "--model",    model.string(), "--out",
                                out.string(), "--progress",   "silent"};
  a.insert(a.end(), extra.begin(), extra.end());
  return a;
}

TEST(PredictLocal, ConstraintMakesEveryPredictionOfATinyModelParse) {
  const auto dir = test::scratch_dir();
  const auto model = tiny_model(dir, 2048);  // the paper's prompt is long in this vocabulary
  const auto examples = dir / "examples.jsonl";
  {
    std::ofstream out(examples, std::ios::binary);
    data::write_examples(out, test::synthetic_examples(3));
  }
  const std::vector<std::string> sampled = {"--samples", "2",  "--temperature", "0.9",
                                            "--seed",    "5",  "--max-tokens",  "60",
                                            "--split",   "all"};
  auto with = sampled;
  with.insert(with.end(), {"--constraint", "reason-rating"});
  const auto r = test::run_reasonrec(predict_args(examples, model, dir / "c.jsonl", with));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto predictions = eval::read_predictions((dir / "c.jsonl").string());
  ASSERT_EQ(predictions.size(), 6u);
  for (const auto& p : predictions) {
    EXPECT_EQ(p.backend, "local");
    EXPECT_EQ(p.parse_status, "strict") << p.raw;
    ASSERT_TRUE(p.rating.has_value()) << p.raw;
    EXPECT_GE(*p.rating, 1);
    EXPECT_LE(*p.rating, 5);
    EXPECT_LE(p.usage.at("completion_tokens"), 60.0);
  }
  EXPECT_NE(r.err.find("0 unparsed"), std::string::npos) << r.err;

  // The same model unconstrained tells stories, not ratings in the paper's format.
  const auto free = test::run_reasonrec(predict_args(examples, model, dir / "f.jsonl", sampled));
  ASSERT_EQ(free.exit_code, 0) << free.err;
  std::size_t strict = 0;
  for (const auto& p : eval::read_predictions((dir / "f.jsonl").string()))
    strict += p.parse_status == "strict";
  EXPECT_LT(strict, 6u);

  // A budget the constraint cannot finish in is refused before anything is generated.
  auto tight = with;
  tight[7] = "3";  // --max-tokens 3
  const auto cut = test::run_reasonrec(predict_args(examples, model, dir / "t.jsonl", tight));
  EXPECT_EQ(cut.exit_code, 2);
  EXPECT_NE(cut.err.find("too small for the output constraint"), std::string::npos) << cut.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "t.jsonl"));
}

TEST(PredictLocal, PromptsFromRealReviewsAreFittedToASmallContext) {
  const auto dir = test::scratch_dir();
  const auto prepared = test::run_reasonrec(
      {"prepare", "--reviews",
       test::shared_data("amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz")
           .string(),
       "--meta",
       test::shared_data("amazon2018_magazine_subscriptions/meta_Magazine_Subscriptions.json.gz")
           .string(),
       "--out", (dir / "magazines").string(), "--train-per-rating", "2", "--test-per-rating", "2",
       "--quiet"});
  ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  const auto examples = dir / "magazines" / "examples.jsonl";
  // These prompts are 2,500 to 12,500 tokens in stories260K's 512-piece vocabulary; the
  // template and one history item at the shortest texts about 1,000.
  constexpr int kContext = 1280;
  constexpr int kAnswer = 16;
  const auto model = tiny_model(dir, kContext);
  const std::vector<std::string> common = {"--max-tokens", std::to_string(kAnswer), "--limit", "3"};

  // Sent whole, these prompts do not fit: every request fails on the context.
  auto whole = common;
  whole.push_back("--no-fit-context");
  const auto unfitted = test::run_reasonrec(predict_args(examples, model, dir / "u.jsonl", whole));
  EXPECT_EQ(unfitted.exit_code, 1) << unfitted.err;
  for (const auto& p : eval::read_predictions((dir / "u.jsonl").string())) {
    EXPECT_NE(p.parse_status.find("context"), std::string::npos) << p.parse_status;
  }

  // By default each is fitted to the context minus --max-tokens, chat template included.
  const auto r = test::run_reasonrec(predict_args(examples, model, dir / "p.jsonl", common));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto predictions = eval::read_predictions((dir / "p.jsonl").string());
  ASSERT_EQ(predictions.size(), 3u);
  for (const auto& p : predictions) {
    EXPECT_EQ(p.parse_status.rfind("request_failed", 0), std::string::npos) << p.parse_status;
    EXPECT_LE(p.usage.at("prompt_tokens"), kContext - kAnswer);
    EXPECT_GT(p.usage.at("prompt_tokens"), (kContext - kAnswer) / 2) << "cut far more than needed";
  }
  EXPECT_NE(r.err.find("3 of 3 prompts were shortened to fit " +
                       std::to_string(kContext - kAnswer) + " tokens"),
            std::string::npos)
      << r.err;
}

#endif

}  // namespace
}  // namespace reasonrec::llm
