// T5 through LocalModel, make_local_backend and `reasonrec generate`: a tiny random T5 with a
// T5-style tokenizer.json (Unigram with byte fallback, Metaspace) must generate, score and give
// rating distributions exactly as Seq2SeqModel does directly; output constraints hold on every
// sample of a random model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/example_io.hpp"
#include "encoder_fixtures.hpp"
#include "engine/constraint/token_constraint.hpp"
#include "engine/local_model.hpp"
#include "engine/local_model_impl.hpp"
#include "engine/seq2seq_model.hpp"
#include "eval/prediction.hpp"
#include "llm/backend.hpp"
#include "prompt/parse_rating.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "support/t5_tokenizer.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

namespace fx = test_fixtures;

// A T5 v1.1 model whose vocabulary is the tokenizer's plus a few unused rows (as Flan-T5 pads
// 32100 tokens to 32128).
std::filesystem::path write_t5_model(const std::filesystem::path& dir, std::uint64_t seed) {
  std::filesystem::create_directories(dir);
  const std::int64_t vocab = test::write_t5_tokenizer(dir);
  fx::write_t5(dir, true, seed, vocab + 4);  // config.json and weights only
  return dir;
}

const std::vector<std::string> kPrompts = {"the user likes the product", "is the product great?",
                                           "Rate: the user likes it\n4 or 5"};

class T5LocalModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(write_t5_model(test::scratch_dir() / "t5", 31));
  }
  static void TearDownTestSuite() { delete dir_; }
  static const std::filesystem::path& dir() { return *dir_; }

  static std::vector<std::vector<std::int32_t>> prompts(const Tokenizer& tokenizer) {
    std::vector<std::vector<std::int32_t>> out;
    for (const auto& p : kPrompts) out.push_back(tokenizer.encode(p, true));
    return out;
  }

  static std::filesystem::path* dir_;
};
std::filesystem::path* T5LocalModel::dir_ = nullptr;

void expect_same(const std::vector<std::vector<Generation>>& a,
                 const std::vector<std::vector<Generation>>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t s = 0; s < a.size(); ++s) {
    ASSERT_EQ(a[s].size(), b[s].size());
    for (std::size_t i = 0; i < a[s].size(); ++i) {
      SCOPED_TRACE("spec " + std::to_string(s) + " sample " + std::to_string(i));
      EXPECT_EQ(a[s][i].tokens, b[s][i].tokens);
      EXPECT_EQ(a[s][i].text, b[s][i].text);
      EXPECT_EQ(a[s][i].finish_reason, b[s][i].finish_reason);
      EXPECT_EQ(a[s][i].stop_token, b[s][i].stop_token);
      ASSERT_EQ(a[s][i].logprobs.size(), b[s][i].logprobs.size());
      for (std::size_t t = 0; t < a[s][i].logprobs.size(); ++t) {
        EXPECT_EQ(a[s][i].logprobs[t].id, b[s][i].logprobs[t].id);
        EXPECT_EQ(a[s][i].logprobs[t].logprob, b[s][i].logprobs[t].logprob);
        EXPECT_EQ(a[s][i].logprobs[t].top.size(), b[s][i].logprobs[t].top.size());
      }
    }
  }
}

TEST_F(T5LocalModel, LoadsAsAnEncoderDecoder) {
  const LocalModel model = LocalModel::load(dir());
  EXPECT_EQ(model.model_type(), "t5");
  EXPECT_TRUE(model.encoder_decoder());
  EXPECT_EQ(model.context_limit(), 0);
  EXPECT_THAT(model.eos_ids(), ::testing::ElementsAre(1));
  EXPECT_EQ(model.impl().decoder(), nullptr);  // the serving scheduler is decoder-only
  ASSERT_NE(model.impl().encoder_decoder(), nullptr);
  EXPECT_EQ(model.impl().tokenizer.get(), &model.tokenizer());
  EXPECT_EQ(model.impl().eos, model.eos_ids());
  // The prompt gets T5's "</s>", as transformers' T5 tokenizer adds it.
  EXPECT_EQ(model.tokenizer().encode("the user", true).back(), 1);
  EXPECT_THROW((void)model.logits(model.tokenizer().encode("the user", true)), UsageError);
}

TEST_F(T5LocalModel, GeneratesExactlyAsSeq2SeqModel) {
  const LocalModel local = LocalModel::load(dir());
  const Seq2SeqModel direct = Seq2SeqModel::load(dir());
  const auto ids = prompts(local.tokenizer());
  std::vector<GenerationSpec> specs;
  GenerationSpec greedy;
  greedy.prompt = ids[0];
  greedy.max_new_tokens = 12;
  greedy.ignore_eos = true;
  greedy.top_logprobs = 3;
  specs.push_back(greedy);
  GenerationSpec sampled = greedy;
  sampled.prompt = ids[1];
  sampled.sampling.temperature = 1.2;
  sampled.sampling.top_p = 0.9;
  sampled.n = 5;
  sampled.seed = 17;
  sampled.ignore_eos = false;
  specs.push_back(sampled);
  GenerationSpec stopped = sampled;
  stopped.prompt = ids[2];
  stopped.n = 14;  // 1 + 5 + 14 rows: more than one internal batch
  stopped.stop = {"e"};
  specs.push_back(stopped);
  const auto ours = local.generate(specs);
  expect_same(ours, direct.generate(specs));
  ASSERT_EQ(ours[0].size(), 1u);
  EXPECT_EQ(ours[0][0].tokens.size(), 12u);
  EXPECT_EQ(ours[0][0].finish_reason, "length");
  // The text is what the tokens write, the first one as at the start of a text: without the
  // space of SentencePiece's "▁", as transformers' decode writes an answer.
  for (const auto& samples : ours) {
    for (const Generation& g : samples) {
      if (g.finish_reason == "stop") continue;  // a stop string cuts the text
      std::string first;                        // the first token that writes anything
      for (const std::int32_t t : g.tokens) {
        if (!local.tokenizer().is_special(t)) {
          first = local.tokenizer().id_to_token(t);
          break;
        }
      }
      if (first.empty() || first.starts_with("<0x")) continue;  // byte tokens: their own rules
      std::string bytes;
      for (const std::int32_t t : g.tokens) {
        if (!local.tokenizer().is_special(t)) bytes += local.tokenizer().token_bytes(t);
      }
      if (first.starts_with(test::kSpace)) {
        ASSERT_EQ(bytes.front(), ' ');
        bytes.erase(0, 1);
      }
      EXPECT_EQ(g.text, bytes);
    }
  }
  for (const Generation& g : ours[2]) EXPECT_EQ(g.text.find('e'), std::string::npos) << g.text;
}

TEST_F(T5LocalModel, ScoresAndRatingDistributionsExactlyAsSeq2SeqModel) {
  const LocalModel local = LocalModel::load(dir());
  const Seq2SeqModel direct = Seq2SeqModel::load(dir());
  const auto ids = prompts(local.tokenizer());
  std::vector<ContinuationSpec> specs;
  for (const auto& p : ids)
    specs.push_back({p, local.tokenizer().encode("the product is 4", true)});
  const auto ours = local.score(specs);
  const auto theirs = direct.score(specs);
  ASSERT_EQ(ours.size(), theirs.size());
  for (std::size_t i = 0; i < ours.size(); ++i) {
    EXPECT_EQ(ours[i].total_logprob, theirs[i].total_logprob);
    EXPECT_EQ(ours[i].token_logprobs, theirs[i].token_logprobs);
  }
  EXPECT_EQ(local.next_token_logprobs(ids), direct.next_token_logprobs(ids));

  // The rating tokens are those that begin an answer "k": SentencePiece's "▁k".
  const auto rating_ids = rating_token_ids(local.tokenizer());
  for (int k = 1; k <= 5; ++k) {
    EXPECT_EQ(local.tokenizer().id_to_token(rating_ids[static_cast<std::size_t>(k - 1)]),
              test::kSpace + std::to_string(k));
  }
  const auto ratings = rating_distributions(local, ids);
  const auto expected = seq2seq_rating_distributions(direct, ids, rating_ids);
  ASSERT_EQ(ratings.size(), ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(ratings[i].probabilities, expected[i].probabilities);
    EXPECT_EQ(ratings[i].raw_mass, expected[i].raw_mass);
  }
}

std::shared_ptr<const TokenConstraint> constraint_for(const LocalModel& model,
                                                      const std::string& regex) {
  const Tokenizer& tokenizer = model.tokenizer();
  std::vector<std::string> bytes(static_cast<std::size_t>(tokenizer.vocab_size()));
  for (std::int32_t id = 0; id < tokenizer.vocab_size(); ++id) {
    if (!tokenizer.is_special(id)) bytes[static_cast<std::size_t>(id)] = tokenizer.token_bytes(id);
  }
  return std::make_shared<TokenConstraint>(regex, std::make_shared<TokenTrie>(bytes),
                                           model.eos_ids());
}

TEST_F(T5LocalModel, ReasonRatingConstraintMakesEverySampleParse) {
  const LocalModel model = LocalModel::load(dir());
  const auto constraint = constraint_for(model, reason_then_rating_regex());
  std::vector<GenerationSpec> specs;
  int budget = 40;
  for (const auto& prompt : prompts(model.tokenizer())) {
    GenerationSpec spec;
    spec.prompt = prompt;
    spec.max_new_tokens = budget;
    budget += 25;
    spec.sampling.temperature = 1.0;
    spec.n = 8;
    spec.seed = 3;
    spec.constraint = constraint;
    specs.push_back(spec);
  }
  GenerationSpec greedy = specs[0];
  greedy.sampling.temperature = 0.0;
  greedy.n = 1;
  specs.push_back(greedy);
  const auto results = model.generate(specs);
  int parsed = 0;
  for (std::size_t s = 0; s < results.size(); ++s) {
    for (const Generation& g : results[s]) {
      SCOPED_TRACE(
          nlohmann::json(g.text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      EXPECT_EQ(g.finish_reason, "stop");
      EXPECT_LE(static_cast<int>(g.tokens.size()), specs[s].max_new_tokens);
      const auto rating = prompt::parse_rating(g.text);
      ASSERT_TRUE(rating.rating.has_value());
      EXPECT_EQ(rating.source, prompt::RatingSource::Strict);
      EXPECT_EQ(*rating.rating, g.text.back() - '0');
      ++parsed;
    }
  }
  EXPECT_EQ(parsed, 3 * 8 + 1);
  // Unconstrained, the same random model writes nothing of the kind.
  GenerationSpec free_run = specs[0];
  free_run.constraint = nullptr;
  const auto unconstrained = model.generate(std::span<const GenerationSpec>(&free_run, 1));
  int free_parsed = 0;
  for (const Generation& g : unconstrained[0]) {
    free_parsed += prompt::parse_rating(g.text).source == prompt::RatingSource::Strict;
  }
  EXPECT_EQ(free_parsed, 0);
}

TEST_F(T5LocalModel, RatingOnlyConstraintWritesOneDigit) {
  const LocalModel model = LocalModel::load(dir());
  GenerationSpec spec;
  spec.prompt = prompts(model.tokenizer())[0];
  spec.max_new_tokens = 5;
  spec.sampling.temperature = 1.5;
  spec.n = 10;
  spec.constraint = constraint_for(model, rating_only_regex());
  const auto results = model.generate(std::span<const GenerationSpec>(&spec, 1));
  ASSERT_EQ(results[0].size(), 10u);
  for (const Generation& g : results[0]) {
    ASSERT_EQ(g.text.size(), 1u) << g.text;
    EXPECT_GE(g.text[0], '1');
    EXPECT_LE(g.text[0], '5');
    EXPECT_EQ(g.finish_reason, "stop");
    EXPECT_EQ(g.tokens.size(), 1u);
  }
}

TEST_F(T5LocalModel, BackendServesCompletionsAndExplainsChatRequests) {
  const LocalModel model = LocalModel::load(dir());
  const auto backend = make_local_backend(dir());
  llm::GenerationRequest completion;
  completion.api = llm::Api::Completion;
  completion.prompt = kPrompts[0];
  completion.params.max_tokens = 6;
  completion.params.temperature = 0.0;
  llm::GenerationRequest chat;
  chat.api = llm::Api::Chat;
  chat.messages = {{"user", kPrompts[0]}};
  const std::vector<llm::GenerationRequest> requests = {completion, chat};
  const auto completions = llm::generate_all(*backend, requests);
  ASSERT_EQ(completions.size(), 2u);
  ASSERT_TRUE(completions[0].ok) << completions[0].error;
  GenerationSpec spec;
  spec.prompt = model.tokenizer().encode(kPrompts[0], true);
  spec.max_new_tokens = 6;
  const auto expected = model.generate(std::span<const GenerationSpec>(&spec, 1))[0][0];
  EXPECT_EQ(completions[0].text, expected.text);
  EXPECT_EQ(completions[0].usage.prompt_tokens, static_cast<std::int64_t>(spec.prompt.size()));
  EXPECT_FALSE(completions[1].ok);
  EXPECT_THAT(completions[1].error, ::testing::HasSubstr("no chat template"));
  EXPECT_THAT(completions[1].error, ::testing::HasSubstr("completion"));
}

TEST_F(T5LocalModel, BackendRendersChatWhenTheDirectoryHasATemplate) {
  const auto with_template = write_t5_model(test::scratch_dir() / "t5-chat", 31);
  std::ofstream(with_template / "tokenizer_config.json")
      << nlohmann::
             json{{"eos_token", "</s>"},
                  {"pad_token", "<pad>"},
                  {"chat_template",
                   "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"}}
                 .dump();
  const LocalModel model = LocalModel::load(with_template);
  const auto backend = make_local_backend(with_template);
  llm::GenerationRequest chat;
  chat.api = llm::Api::Chat;
  chat.messages = {{"user", kPrompts[0]}};
  chat.params.max_tokens = 5;
  const auto completions = llm::generate_all(*backend, std::vector<llm::GenerationRequest>{chat});
  ASSERT_EQ(completions.size(), 1u);
  ASSERT_TRUE(completions[0].ok) << completions[0].error;
  GenerationSpec spec;
  spec.prompt = model.tokenizer().encode("user: " + kPrompts[0] + "\n", false);
  spec.max_new_tokens = 5;
  EXPECT_EQ(completions[0].text,
            model.generate(std::span<const GenerationSpec>(&spec, 1))[0][0].text);
}

TEST_F(T5LocalModel, GenerateCommandPrintsTheAnswer) {
  const LocalModel model = LocalModel::load(dir());
  GenerationSpec spec;
  spec.prompt = model.tokenizer().encode(kPrompts[1], true);
  spec.max_new_tokens = 7;
  spec.sampling.temperature = 0.9;
  spec.seed = 4;
  const auto expected = model.generate(std::span<const GenerationSpec>(&spec, 1))[0][0];
  const auto result =
      test::run_reasonrec({"generate", "--model", dir().string(), "--prompt", kPrompts[1],
                           "--max-tokens", "7", "--temperature", "0.9", "--seed", "4"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The answer alone (a T5 output does not continue the prompt).
  EXPECT_EQ(result.out, expected.text + "\n");
  const auto chat = test::run_reasonrec(
      {"generate", "--model", dir().string(), "--prompt", kPrompts[1], "--chat"});
  EXPECT_NE(chat.exit_code, 0);
  EXPECT_THAT(chat.err, ::testing::HasSubstr("no chat template"));
}

std::filesystem::path write_examples(const std::filesystem::path& dir, int count) {
  std::vector<data::Example> examples;
  for (int i = 0; i < count; ++i) {
    data::Example e;
    e.user = "U" + std::to_string(i);
    e.split = "test";
    e.rating = i % 5 + 1;
    e.time = 1500000000 + i;
    e.target.has_meta = true;
    e.target.meta.item = "T" + std::to_string(i);
    e.target.meta.title = "Rose Water Toner";
    e.review = "the product is great";
    data::HistoryEntry entry;
    entry.item.has_meta = true;
    entry.item.meta.item = "H" + std::to_string(i);
    entry.item.meta.title = "Argan Hair Oil";
    entry.rating = 4;
    entry.review = "the user likes the product";
    entry.time = e.time - 1000;
    e.history.push_back(entry);
    e.id = e.user + "/" + e.target.meta.item;
    examples.push_back(std::move(e));
  }
  const auto path = dir / "examples.jsonl";
  std::ofstream out(path, std::ios::binary);
  data::write_examples(out, examples);
  return path;
}

TEST_F(T5LocalModel, PredictRunsOnCompletionsAndRefusesChatUpFront) {
  const auto work = test::scratch_dir();
  const auto examples = write_examples(work, 3);
  const std::vector<std::string> common = {"predict",
                                           "--examples",
                                           examples.string(),
                                           "--model",
                                           dir().string(),
                                           "--mode",
                                           "direct",
                                           "--max-tokens",
                                           "4",
                                           "--top-logprobs",
                                           "5",
                                           "--progress",
                                           "silent",
                                           "--temperature",
                                           "0.8"};
  auto args = common;
  for (const char* extra : {"--api", "completions", "--out"}) args.push_back(extra);
  args.push_back((work / "p.jsonl").string());
  const auto result = test::run_reasonrec(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto predictions = eval::read_predictions((work / "p.jsonl").string());
  ASSERT_EQ(predictions.size(), 3u);
  for (const auto& p : predictions) {
    EXPECT_EQ(p.backend, "local");
    EXPECT_LE(p.usage.at("completion_tokens"), 4.0);
  }

  auto chat = common;
  chat.push_back("--out");
  chat.push_back((work / "chat.jsonl").string());
  const auto refused = test::run_reasonrec(chat);
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, ::testing::HasSubstr("--api completions"));
  EXPECT_FALSE(std::filesystem::exists(work / "chat.jsonl"));
}

}  // namespace
}  // namespace reasonrec::engine
