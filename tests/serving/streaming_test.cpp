// Per-token callbacks: the streamed pieces of a sample concatenate to its text, and text that
// could still be the start of a stop string is held back until it cannot.

#include <map>
#include <mutex>

#include <gtest/gtest.h>

#include "engine/serving_engine.hpp"
#include "serving_fixture.hpp"

namespace reasonrec::engine::test {
namespace {

struct Stream {
  std::string text;       // the pieces, concatenated
  std::string generated;  // every token's bytes, as a client could decode them
  std::vector<std::int32_t> tokens;
  bool held_back = false;  // some event released less than everything generated
  std::string final_text;
  int finished = 0;
};

struct Recorder {
  std::mutex mutex;
  std::map<int, Stream> samples;

  GenerationCallbacks callbacks(const Tokenizer& tokenizer) {
    return {[this, &tokenizer](const TokenEvent& e) {
              std::lock_guard lock(mutex);
              Stream& s = samples[e.sample];
              s.text += e.text;
              if (e.has_token) {
                s.tokens.push_back(e.token.id);
                if (!tokenizer.is_special(e.token.id))
                  s.generated += tokenizer.token_bytes(e.token.id);
                if (s.text.size() < s.generated.size()) s.held_back = true;
              }
            },
            [this](int sample, const Generation& g) {
              std::lock_guard lock(mutex);
              samples[sample].final_text = g.text;
              ++samples[sample].finished;
            }};
  }
};

GenerationSpec base_spec(std::uint64_t seed) {
  GenerationSpec spec;
  spec.prompt = joined({1}, random_tokens(seed, 25));
  spec.max_new_tokens = 40;
  spec.ignore_eos = true;
  return spec;
}

// Streams `spec` alongside a few other requests and checks the pieces against the result.
void check_stream(const GenerationSpec& spec, Recorder& recorder,
                  const std::vector<Generation>& expected) {
  ServingOptions options;
  options.max_batch_rows = 4;
  ServingEngine engine(tiny_model(), options);
  std::vector<std::shared_ptr<PendingGeneration>> others;
  for (std::uint64_t seed = 40; seed < 43; ++seed) others.push_back(engine.submit(base_spec(seed)));
  const auto result = engine.submit(spec, recorder.callbacks(tiny_model().tokenizer()))->wait();
  expect_same(result, expected, "streamed spec");
  ASSERT_EQ(recorder.samples.size(), result.size());
  for (std::size_t s = 0; s < result.size(); ++s) {
    const Stream& stream = recorder.samples[static_cast<int>(s)];
    EXPECT_EQ(stream.text, result[s].text) << "sample " << s;
    EXPECT_EQ(stream.final_text, result[s].text);
    EXPECT_EQ(stream.tokens, result[s].tokens);
    EXPECT_EQ(stream.finished, 1);
  }
  for (auto& other : others) other->wait();
}

TEST(Streaming, APossibleStopStringIsHeldBackThenReleased) {
  GenerationSpec spec = base_spec(31);
  const Generation plain = alone(spec).front();
  ASSERT_GT(plain.text.size(), 20u);
  // Its first bytes end the text after some token, but the whole never appears.
  const Tokenizer& tokenizer = tiny_model().tokenizer();
  std::size_t end = 0;
  for (std::int32_t token : plain.tokens) {
    if (!tokenizer.is_special(token)) end += tokenizer.token_bytes(token).size();
    if (end >= 10) break;
  }
  ASSERT_LT(end, plain.text.size());
  spec.stop = {plain.text.substr(end - 2, 2) + "\x01\x02"};
  spec.n = 2;
  spec.sampling = {0.0, 1.0, 0};
  Recorder recorder;
  check_stream(spec, recorder, alone(spec));
  for (const auto& [sample, stream] : recorder.samples) {
    EXPECT_TRUE(stream.held_back) << "sample " << sample;
    EXPECT_EQ(stream.text, plain.text);  // nothing was cut in the end
  }
}

TEST(Streaming, TextCutAtAStopStringIsNeverStreamed) {
  GenerationSpec spec = base_spec(32);
  const Generation plain = alone(spec).front();
  ASSERT_GT(plain.text.size(), 20u);
  spec.stop = {plain.text.substr(12, 4)};
  Recorder recorder;
  const auto expected = alone(spec);
  ASSERT_EQ(expected[0].finish_reason, "stop");
  ASSERT_LE(expected[0].text.size(), 12u);
  check_stream(spec, recorder, expected);
  EXPECT_TRUE(recorder.samples[0].held_back);
}

TEST(Streaming, SampledLogprobsArriveWithTheirTokens) {
  GenerationSpec spec = base_spec(33);
  spec.sampling = {1.0, 0.9, 0};
  spec.seed = 9;
  spec.n = 3;
  spec.top_logprobs = 2;
  std::mutex mutex;
  std::map<int, std::vector<GeneratedToken>> events;
  ServingEngine engine(tiny_model());
  const auto result = engine
                          .submit(spec, {[&](const TokenEvent& e) {
                                           std::lock_guard lock(mutex);
                                           if (e.has_token) events[e.sample].push_back(e.token);
                                         },
                                         {}})
                          ->wait();
  expect_same(result, alone(spec), "sampled");
  for (std::size_t s = 0; s < result.size(); ++s) {
    const auto& streamed = events[static_cast<int>(s)];
    ASSERT_EQ(streamed.size(), result[s].logprobs.size());
    for (std::size_t t = 0; t < streamed.size(); ++t) {
      EXPECT_EQ(streamed[t].id, result[s].logprobs[t].id);
      EXPECT_EQ(streamed[t].logprob, result[s].logprobs[t].logprob);
      EXPECT_EQ(streamed[t].top.size(), 2u);
    }
  }
}

}  // namespace
}  // namespace reasonrec::engine::test
