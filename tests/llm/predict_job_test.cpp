// llm::run_predict_job, the library call behind `reasonrec predict` and the experiment runner,
// with an in-process model injected through its factory: a fake model whose tokenizer and chat
// template are known exactly, so that fitting prompts to its context can be checked token for
// token, without libtorch.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "data/example_io.hpp"
#include "eval/prediction.hpp"
#include "fake_openai_server.hpp"
#include "llm/predict_job.hpp"
#include "prompt/budget.hpp"
#include "support/paths.hpp"
#include "test_helpers.hpp"
#include "util/error.hpp"

namespace reasonrec::llm {
namespace {

std::size_t words(std::string_view text) {
  std::size_t n = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in_word) ++n;
    in_word = !space;
  }
  return n;
}

// A model whose tokens are words. Its chat template adds 4 tokens per message and 6 for the
// generation prompt; a completion prompt gets a BOS. Like the engine it refuses a prompt that
// leaves no room for max_tokens... more strictly than the engine: prompt + max_tokens must fit.
class FakeModel final : public InProcessBackend {
 public:
  FakeModel(std::size_t context, std::vector<GenerationRequest>* seen)
      : context_(context), seen_(seen) {}

  std::string name() const override { return "local"; }
  std::size_t context_length() const override { return context_; }
  std::size_t text_tokens(std::string_view text) const override { return words(text); }
  void validate(const GenerationRequest& r) const override {
    if (!r.params.constraint.empty() && r.params.constraint != "reason-rating") {
      throw UsageError("unknown constraint " + r.params.constraint);
    }
  }
  std::size_t prompt_tokens(const GenerationRequest& r) const override {
    if (r.api == Api::Completion) return 1 + words(r.prompt);
    std::size_t n = 6;
    for (const auto& m : r.messages) n += 4 + words(m.content);
    return n;
  }

  void generate(std::span<const GenerationRequest> requests, CompletionSink& sink) override {
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const GenerationRequest& r = requests[i];
      if (seen_) seen_->push_back(r);
      const std::size_t tokens = prompt_tokens(r);
      for (int s = 0; s < r.n; ++s) {
        Completion c;
        c.request = i;
        c.sample = r.first_sample + s;
        if (tokens + static_cast<std::size_t>(r.params.max_tokens) > context_) {
          c.error = "prompt of " + std::to_string(tokens) + " tokens exceeds the context";
        } else {
          c.ok = true;
          c.text = "### Reason ###\nThe user likes it.\n### Rating ###\n4";
          c.usage.prompt_tokens = static_cast<std::int64_t>(tokens);
          c.usage.completion_tokens = 12;
        }
        sink.on_completion(std::move(c));
      }
    }
  }

 private:
  std::size_t context_;
  std::vector<GenerationRequest>* seen_;
};

struct Fixture {
  std::filesystem::path dir = test::scratch_dir();
  std::filesystem::path model = dir / "model";
  std::filesystem::path examples = dir / "examples.jsonl";
  std::vector<GenerationRequest> seen;
  InProcessOptions factory_got;
  int loads = 0;

  // `count` examples with reviews of `review_words` words each.
  explicit Fixture(std::size_t count = 6, std::size_t review_words = 120) {
    std::filesystem::create_directories(model);
    std::ofstream(model / "config.json") << "{}";
    auto list = test::synthetic_examples(count);
    for (auto& e : list) {
      for (auto& h : e.history) {
        std::string review;
        for (std::size_t w = 0; w < review_words; ++w) review += "lovely ";
        h.review = review + "end";
      }
    }
    std::ofstream out(examples, std::ios::binary);
    data::write_examples(out, list);
  }

  PredictJob job(std::size_t context) {
    PredictJob j;
    j.examples = examples;
    j.out = dir / "p.jsonl";
    j.backend.model = model.string();
    j.predict.spec = resolve_mode("cot", "none", std::nullopt);
    j.predict.split = "all";
    j.predict.params.max_tokens = 64;
    j.predict.progress = ProgressMode::Silent;
    j.load_model = [this, context](const std::filesystem::path&, const InProcessOptions& o) {
      factory_got = o;
      ++loads;
      return std::make_unique<FakeModel>(context, &seen);
    };
    return j;
  }
};

bool has_marker(const GenerationRequest& r) {
  for (const auto& m : r.messages) {
    if (m.content.find(prompt::kTruncationMarker) != std::string::npos) return true;
  }
  return r.prompt.find(prompt::kTruncationMarker) != std::string::npos;
}

TEST(PredictJob, FitsEveryPromptToTheModelsContextCountingTheChatTemplate) {
  Fixture f(6, 120);
  const FakeModel measure(400, nullptr);
  const auto job = f.job(400);
  const auto result = run_predict_job(job);
  EXPECT_EQ(f.loads, 1);
  EXPECT_EQ(result.backend, "local");
  EXPECT_FALSE(result.client.has_value());
  EXPECT_EQ(result.outcome.failed, 0u);
  EXPECT_EQ(result.outcome.unparsed, 0u);
  EXPECT_EQ(result.outcome.prompt_limit, 400u - 64u);
  EXPECT_EQ(result.outcome.trimmed, 6u);
  EXPECT_EQ(result.outcome.over_budget, 0u);
  ASSERT_EQ(f.seen.size(), 6u);
  for (const auto& r : f.seen) {
    // Exactly within the context left after the answer, the template's tokens included, and
    // not far below it: the texts were cut to the largest length that fits.
    EXPECT_LE(measure.prompt_tokens(r), 400u - 64u);
    EXPECT_GT(measure.prompt_tokens(r), 400u - 64u - 40u);
    EXPECT_TRUE(has_marker(r)) << "a trimmed prompt without the visible marker";
  }
  const auto predictions = eval::read_predictions(job.out.string());
  ASSERT_EQ(predictions.size(), 6u);
  for (const auto& p : predictions) {
    EXPECT_EQ(p.backend, "local");
    EXPECT_EQ(p.rating, 4);
  }
  EXPECT_NE(format_summary(job, result).find("6 of 6 prompts were shortened to fit 336 tokens"),
            std::string::npos)
      << format_summary(job, result);
  EXPECT_FALSE(failure_message(result).has_value());
}

TEST(PredictJob, CompletionPromptsAreFittedToo) {
  Fixture f(4, 120);
  auto job = f.job(300);
  job.backend.api = Api::Completion;
  const auto result = run_predict_job(job);
  EXPECT_EQ(result.outcome.failed, 0u);
  ASSERT_EQ(f.seen.size(), 4u);
  for (const auto& r : f.seen) {
    EXPECT_LE(FakeModel(300, nullptr).prompt_tokens(r), 300u - 64u);
    EXPECT_TRUE(has_marker(r));
  }
}

TEST(PredictJob, ShortPromptsAreLeftWhole) {
  Fixture f(4, 5);
  const auto result = run_predict_job(f.job(4096));
  EXPECT_EQ(result.outcome.failed, 0u);
  EXPECT_EQ(result.outcome.trimmed, 0u);
  for (const auto& r : f.seen) EXPECT_FALSE(has_marker(r));
}

TEST(PredictJob, WithoutFittingOverlongPromptsFail) {
  Fixture f(4, 120);
  auto job = f.job(400);
  job.predict.fit_context = false;
  const auto result = run_predict_job(job);
  EXPECT_EQ(result.outcome.failed, 4u);
  EXPECT_EQ(result.outcome.prompt_limit, 0u);
  ASSERT_TRUE(failure_message(result).has_value());
  EXPECT_NE(failure_message(result)->find("4 of 4 samples failed"), std::string::npos);
}

TEST(PredictJob, BudgetIsCountedInTheModelsOwnTokens) {
  Fixture f(4, 120);
  auto job = f.job(4096);
  job.predict.budget = 320;
  const auto result = run_predict_job(job);
  EXPECT_EQ(result.outcome.prompt_limit, 320u);
  EXPECT_EQ(result.outcome.failed, 0u);
  EXPECT_EQ(result.outcome.over_budget, 0u);
  EXPECT_EQ(result.outcome.trimmed, 4u);
  ASSERT_EQ(f.seen.size(), 4u);
  for (const auto& r : f.seen) {
    EXPECT_LE(FakeModel(4096, nullptr).prompt_tokens(r), 320u);
    EXPECT_TRUE(has_marker(r));
  }
}

TEST(PredictJob, MaxTokensFillingTheContextIsAUsageError) {
  Fixture f(2, 5);
  auto job = f.job(64);
  EXPECT_THROW(run_predict_job(job), UsageError);
  EXPECT_FALSE(std::filesystem::exists(job.out));
}

TEST(PredictJob, TheConstraintGoesWithEveryRequestAndIntoTheCacheKey) {
  Fixture f(2, 5);
  auto job = f.job(4096);
  job.in_process.max_batch_rows = 3;
  job.predict.params.constraint = "reason-rating";
  auto result = run_predict_job(job);
  EXPECT_EQ(f.factory_got.max_batch_rows, 3);
  ASSERT_EQ(f.seen.size(), 2u);
  for (const auto& r : f.seen) EXPECT_EQ(r.params.constraint, "reason-rating");
  // Unconstrained answers are other answers: not taken from the constrained run's cache.
  job.predict.params.constraint.clear();
  result = run_predict_job(job);
  EXPECT_EQ(result.cache_stats.hits, 0u);
  EXPECT_EQ(result.cache_stats.sent, 2u);
  // The model refuses what it can never serve before anything is generated.
  f.seen.clear();
  job.predict.params.constraint = "sideways";
  EXPECT_THROW(run_predict_job(job), UsageError);
  EXPECT_TRUE(f.seen.empty());
}

TEST(PredictJob, DefaultsToTheTestSplit) {
  Fixture f(6, 5);
  PredictOptions defaults;
  EXPECT_EQ(defaults.split, "test");
  auto job = f.job(4096);
  job.predict.split = defaults.split;
  const auto result = run_predict_job(job);
  ASSERT_EQ(result.outcome.predictions.size(), 3u);
  for (const auto& p : result.outcome.predictions) EXPECT_EQ(p.split, "test");
}

TEST(PredictJob, ModelDirectoryWithoutAnEngineIsAUsageError) {
  Fixture f(2, 5);
  auto job = f.job(4096);
  job.load_model = nullptr;
  try {
    run_predict_job(job);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("no in-process engine"), std::string::npos) << e.what();
  }
}

TEST(PredictJob, RunsAFleetThroughTheClientAndTheCache) {
  Fixture f(4, 5);
  test::FakeOpenAIServer server;
  PredictJob job;
  job.examples = f.examples;
  job.out = f.dir / "fleet.jsonl";
  job.backend.model = "teacher";
  job.backend.client = test::fast_options({server.base_url()});
  job.predict.spec = resolve_mode("direct", "none", std::nullopt);
  job.predict.progress = ProgressMode::Silent;
  auto result = run_predict_job(job);
  EXPECT_EQ(result.backend, "openai");
  ASSERT_TRUE(result.client.has_value());
  EXPECT_EQ(result.client->succeeded, 2u);  // the test split: two of four
  EXPECT_EQ(result.cache_stats.sent, 2u);
  EXPECT_EQ(result.cache, f.dir / "llm-cache.sqlite");
  EXPECT_EQ(eval::read_predictions(job.out.string()).size(), 2u);
  // Again: everything from the cache, nothing sent.
  result = run_predict_job(job);
  EXPECT_EQ(result.cache_stats.hits, 2u);
  EXPECT_EQ(result.cache_stats.sent, 0u);
  EXPECT_EQ(server.request_count(), 2u);

  // A constraint cannot be applied to a server.
  job.predict.params.constraint = "rating";
  EXPECT_THROW(run_predict_job(job), UsageError);
}

}  // namespace
}  // namespace reasonrec::llm
