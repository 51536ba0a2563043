// Training on the engine's own models: tiny random T5 and Llama students learn eight pairs,
// a run paused and resumed equals an uninterrupted one bit for bit, the trained directory
// generates its targets through the engine as predict runs it, and bad options or a diverging
// loss stop with a clear error.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/local_model.hpp"
#include "student_fixtures.hpp"
#include "support/paths.hpp"
#include "train/model_init.hpp"
#include "train/trainer.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace {

namespace fs = std::filesystem;

TrainOptions overfit_options(const fs::path& data, const fs::path& out) {
  TrainOptions o;
  o.data = data;
  o.out = out;
  o.steps = 120;
  o.batch = 8;
  o.micro_batch = 4;
  o.lr = 1e-2;
  o.warmup = 5;
  o.dropout = 0.0;
  o.log_every = 20;
  o.seed = 7;
  o.threads = 1;
  return o;
}

fs::path llama_student(const fs::path& root) {
  const fs::path tokenizer = root / "tokenizer";
  fs::create_directories(tokenizer);
  const std::int64_t vocab = test::write_t5_tokenizer(tokenizer);
  std::ofstream(root / "config.json") << fixtures::llama_config(vocab).dump();
  write_initial_model(root / "config.json", tokenizer, root / "llama", 3);
  return root / "llama";
}

// Greedy generation through the engine (as predict --model DIR runs it) of every prompt. A
// decoder continues the prompt, so its text starts with the space the target was encoded after
// (SentencePiece's "▁"); T5's answer stands alone.
void expect_generates_targets(const fs::path& dir, const std::vector<nlohmann::json>& records,
                              const std::string& continuation = "") {
  const engine::LocalModel model = engine::LocalModel::load(dir);
  for (const auto& r : records) {
    engine::GenerationSpec spec;
    spec.prompt = model.tokenizer().encode(r["prompt"].get<std::string>(), true);
    spec.max_new_tokens = 40;
    const auto generated = model.generate(std::span(&spec, 1));
    EXPECT_EQ(generated[0][0].text, continuation + r["target"].get<std::string>()) << r["prompt"];
  }
}

TEST(Trainer, T5LearnsEightPairsAndTheEngineGeneratesThem) {
  const fs::path root = test::scratch_dir();
  const auto records = fixtures::eight_records();
  TrainOptions o =
      overfit_options(fixtures::write_records(root / "sft.jsonl", records), root / "out");
  o.model = fixtures::write_t5_student(root / "t5", 11);
  std::ostringstream progress;
  const TrainSummary summary = run_training(o, progress);
  EXPECT_TRUE(summary.finished);
  EXPECT_EQ(summary.steps, 120);
  EXPECT_LT(summary.final_loss, 0.05) << progress.str();
  EXPECT_THAT(progress.str(), testing::HasSubstr("step 120/120"));
  expect_generates_targets(o.out, records);
  // The log has the first step, every 20th, and the last.
  std::ifstream log(o.out / "train_log.jsonl");
  std::vector<std::int64_t> steps;
  for (std::string line; std::getline(log, line);) {
    steps.push_back(nlohmann::json::parse(line)["step"].get<std::int64_t>());
  }
  EXPECT_EQ(steps, (std::vector<std::int64_t>{1, 20, 40, 60, 80, 100, 120}));
}

TEST(Trainer, LlamaFromScratchLearnsEightPairsAndTheEngineGeneratesThem) {
  const fs::path root = test::scratch_dir();
  const auto records = fixtures::eight_records();
  TrainOptions o =
      overfit_options(fixtures::write_records(root / "sft.jsonl", records), root / "out");
  o.model = llama_student(root);
  const TrainSummary summary = run_training(o, std::cerr);
  EXPECT_LT(summary.final_loss, 0.05);
  expect_generates_targets(o.out, records, " ");
}

TEST(Trainer, PausedAndResumedRunEqualsUninterruptedBitForBit) {
  const fs::path root = test::scratch_dir();
  const fs::path data = fixtures::write_records(root / "sft.jsonl", fixtures::eight_records());
  const fs::path model = fixtures::write_t5_student(root / "t5", 5);
  auto options = [&](const fs::path& out) {
    TrainOptions o = overfit_options(data, out);
    o.model = model;
    o.steps = 10;
    o.batch = 4;
    o.micro_batch = 2;
    o.dropout = 0.25;  // the generator's state must travel with the checkpoint
    o.weight_decay = 0.1;
    o.schedule = Schedule::cosine;
    o.lr = 3e-3;
    return o;
  };
  std::ostringstream quiet;
  run_training(options(root / "whole"), quiet);

  TrainOptions first = options(root / "pieces");
  first.stop_after = 3;  // mid-epoch: two micro-batches of eight examples per step
  EXPECT_FALSE(run_training(first, quiet).finished);
  TrainOptions again = options(root / "pieces");
  EXPECT_THROW(run_training(again, quiet), UsageError);  // checkpoints there: --resume needed
  again.resume = true;
  again.stop_after = 7;
  EXPECT_EQ(run_training(again, quiet).resumed_from, 3);
  const TrainSummary last = run_training(again, quiet);
  EXPECT_EQ(last.resumed_from, 7);
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(test::read_text(root / "whole" / "model.safetensors"),
            test::read_text(root / "pieces" / "model.safetensors"));
  // The log of the resumed run is the uninterrupted run's.
  auto losses = [](const fs::path& log_file) {
    std::ifstream log(log_file);
    std::vector<std::pair<std::int64_t, double>> out;
    for (std::string line; std::getline(log, line);) {
      const auto j = nlohmann::json::parse(line);
      out.emplace_back(j["step"].get<std::int64_t>(), j["loss"].get<double>());
    }
    return out;
  };
  const auto whole = losses(root / "whole" / "train_log.jsonl");
  const auto pieces = losses(root / "pieces" / "train_log.jsonl");
  ASSERT_FALSE(whole.empty());
  EXPECT_EQ(whole.back(), pieces.back());
}

TEST(Trainer, DivergingLossStopsNamingTheStepAndKeepsTheLastCheckpoint) {
  const fs::path root = test::scratch_dir();
  TrainOptions o = overfit_options(
      fixtures::write_records(root / "sft.jsonl", fixtures::eight_records()), root / "out");
  o.model = fixtures::write_t5_student(root / "t5", 2);
  o.lr = 1e30;
  o.clip = 0.0;
  o.checkpoint_every = 1;
  o.steps = 50;
  std::ostringstream quiet;
  try {
    run_training(o, quiet);
    FAIL() << "a loss of 1e30-sized weights must stop the run";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), testing::MatchesRegex("step [0-9]+: the loss is (nan|infinite).*"));
    EXPECT_THAT(e.what(), testing::HasSubstr("last good checkpoint"));
  }
  EXPECT_TRUE(fs::exists(o.out / "checkpoints" / "latest"));
  EXPECT_FALSE(fs::exists(o.out / "model.safetensors"));  // no final model from a failed run
}

TEST(Trainer, ContradictoryOptionsAreUsageErrors) {
  const fs::path root = test::scratch_dir();
  const fs::path data = fixtures::write_records(root / "sft.jsonl", fixtures::eight_records());
  TrainOptions o = overfit_options(data, root / "out");
  std::ostringstream quiet;
  EXPECT_THROW(run_training(o, quiet), UsageError);  // neither --model nor --init-config
  o.model = root;
  o.init_config = root / "config.json";
  EXPECT_THROW(run_training(o, quiet), UsageError);  // both
  o.init_config.reset();
  o.batch = 6;
  o.micro_batch = 4;
  EXPECT_THROW(run_training(o, quiet), UsageError);
  o.batch = 8;
  o.warmup = 500;
  EXPECT_THROW(run_training(o, quiet), UsageError);
}

TEST(Trainer, RecordsWithoutAPromptNameTheirLine) {
  const fs::path root = test::scratch_dir();
  auto records = fixtures::eight_records();
  records[3].erase("prompt");
  TrainOptions o =
      overfit_options(fixtures::write_records(root / "sft.jsonl", records), root / "out");
  o.model = fixtures::write_t5_student(root / "t5", 2);
  std::ostringstream quiet;
  try {
    run_training(o, quiet);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 4u);
    EXPECT_THAT(e.what(), testing::HasSubstr("prompt"));
  }
}

// The eight pairs with their true ratings (the last digit of each target).
fs::path rated_records(const fs::path& path) {
  auto records = fixtures::eight_records();
  for (auto& r : records) {
    const std::string target = r["target"];
    r["rating"] = target.back() - '0';
  }
  return fixtures::write_records(path, records);
}

TEST(Trainer, ValidationLogsRatingMetricsAndKeepsTheBestModel) {
  const fs::path root = test::scratch_dir();
  TrainOptions o = overfit_options(rated_records(root / "sft.jsonl"), root / "out");
  o.model = fixtures::write_t5_student(root / "t5", 11);
  o.eval = o.data;
  o.eval_every = 40;
  std::ostringstream progress;
  const TrainSummary summary = run_training(o, progress);
  EXPECT_THAT(progress.str(), testing::HasSubstr("eval: 8 records"));
  EXPECT_THAT(progress.str(), testing::HasSubstr("eval step 40: loss"));
  std::ifstream log(o.out / "train_log.jsonl");
  std::vector<double> rmse;
  for (std::string line; std::getline(log, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j.contains("eval_rmse")) rmse.push_back(j["eval_rmse"].get<double>());
  }
  ASSERT_EQ(rmse.size(), 3u);   // steps 40, 80, 120
  EXPECT_LT(rmse.back(), 0.1);  // it learned the eight ratings
  EXPECT_LT(rmse.back(), rmse.front());
  ASSERT_TRUE(summary.best_value.has_value());
  EXPECT_DOUBLE_EQ(*summary.best_value, *std::min_element(rmse.begin(), rmse.end()));
  EXPECT_TRUE(fs::exists(o.out / "best" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(o.out / "best" / "tokenizer.json"));
}

TEST(Trainer, EarlyStopEndsARunThatStopsImproving) {
  const fs::path root = test::scratch_dir();
  TrainOptions o = overfit_options(rated_records(root / "sft.jsonl"), root / "out");
  o.model = fixtures::write_t5_student(root / "t5", 11);
  o.eval = o.data;
  o.eval_every = 2;
  o.eval_metric = "accuracy";  // discrete: a learning rate of 1e-12 cannot move it
  o.early_stop = 2;
  o.lr = 1e-12;
  o.warmup = 0;
  std::ostringstream progress;
  const TrainSummary summary = run_training(o, progress);
  EXPECT_TRUE(summary.stopped_early);
  EXPECT_EQ(summary.steps, 6);  // the best at step 2, no better at 4 and 6
  EXPECT_EQ(summary.best_step, 2);
  EXPECT_THAT(progress.str(), testing::HasSubstr("early stop"));
  o.eval_metric = "rmsee";
  o.out = root / "other";
  EXPECT_THROW(run_training(o, progress), UsageError);
}

TEST(ModelInit, UnknownConfigFieldsAndSmallVocabulariesAreRefused) {
  const fs::path root = test::scratch_dir();
  const std::int64_t vocab = test::write_t5_tokenizer(root);
  nlohmann::json config = fixtures::llama_config(vocab);
  config["hiden_size"] = 32;
  std::ofstream(root / "typo.json") << config.dump();
  EXPECT_THAT([&] { write_initial_model(root / "typo.json", root, root / "a", 1); },
              testing::ThrowsMessage<InputError>(testing::HasSubstr("hiden_size")));
  config = fixtures::llama_config(vocab - 1);
  std::ofstream(root / "small.json") << config.dump();
  EXPECT_THAT([&] { write_initial_model(root / "small.json", root, root / "b", 1); },
              testing::ThrowsMessage<InputError>(testing::HasSubstr("smaller than")));
}

}  // namespace
}  // namespace reasonrec::train
