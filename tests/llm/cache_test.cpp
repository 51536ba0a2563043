#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "fake_openai_server.hpp"
#include "llm/cache.hpp"
#include "llm/cached_backend.hpp"
#include "llm/openai_client.hpp"
#include "support/paths.hpp"
#include "test_helpers.hpp"
#include "util/error.hpp"

namespace reasonrec::llm {
namespace {

GenerationRequest base_request() {
  GenerationRequest r;
  r.model = "m";
  r.messages = {{"user", "rate it"}};
  r.params.seed = 3;
  return r;
}

TEST(CacheKey, EveryInputThatChangesTheAnswerChangesTheKey) {
  const GenerationRequest base = base_request();
  std::vector<GenerationRequest> variants;
  auto vary = [&](auto change) {
    GenerationRequest r = base;
    change(r);
    variants.push_back(r);
  };
  vary([](GenerationRequest& r) { r.model = "m2"; });
  vary([](GenerationRequest& r) { r.messages[0].content = "rate it!"; });
  vary([](GenerationRequest& r) { r.messages[0].role = "system"; });
  vary([](GenerationRequest& r) { r.messages.push_back({"user", ""}); });
  vary([](GenerationRequest& r) { r.params.max_tokens = 7; });
  vary([](GenerationRequest& r) { r.params.temperature = 0.5; });
  vary([](GenerationRequest& r) { r.params.top_p = 0.5; });
  vary([](GenerationRequest& r) { r.params.stop = {"\n"}; });
  vary([](GenerationRequest& r) { r.params.seed = 4; });
  vary([](GenerationRequest& r) { r.params.seed.reset(); });
  vary([](GenerationRequest& r) { r.params.top_logprobs = 5; });
  vary([](GenerationRequest& r) { r.params.constraint = "reason-rating"; });
  vary([](GenerationRequest& r) { r.params.constraint = "rating"; });
  vary([](GenerationRequest& r) {
    r.api = Api::Completion;
    r.prompt = "rate it";
  });
  std::set<std::string> keys = {cache_key(base, 0), cache_key(base, 1)};
  for (const auto& v : variants) keys.insert(cache_key(v, 0));
  EXPECT_EQ(keys.size(), variants.size() + 2);
  // What does not change the answer does not change the key.
  GenerationRequest same = base;
  same.n = 5;
  same.first_sample = 2;
  EXPECT_EQ(cache_key(same, 0), cache_key(base, 0));
  EXPECT_EQ(cache_key(base, 0).size(), 64u);
}

Completion success(const std::string& text) {
  Completion c;
  c.ok = true;
  c.text = text;
  c.finish_reason = "stop";
  c.usage = {10, 3};
  c.latency_seconds = 0.25;
  c.attempts = 2;
  c.endpoint = "http://e/v1";
  c.response_id = "id-1";
  c.logprobs = std::vector<TokenLogprob>{
      {"4", -0.1234567890123456789, {{"4", -0.12345678901234567}, {"5", -2.5}}}};
  return c;
}

TEST(ResponseCache, StoresAndReadsBackExactly) {
  const auto path = test::scratch_dir() / "c.sqlite";
  {
    ResponseCache cache(path);
    EXPECT_FALSE(cache.find("k").has_value());
    cache.put("k", "m", success("### Rating ###\n4 \xff"));
  }  // closing commits
  ResponseCache cache(path);
  const auto c = cache.find("k");
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->cached);
  EXPECT_EQ(c->text, "### Rating ###\n4 \xff");
  EXPECT_EQ(c->usage.prompt_tokens, 10);
  EXPECT_EQ(c->attempts, 2);
  EXPECT_EQ(c->response_id, "id-1");
  EXPECT_EQ(c->latency_seconds, 0.25);
  ASSERT_TRUE(c->logprobs.has_value());
  // Doubles survive the round trip bit for bit (a resumed run must equal a fresh one).
  EXPECT_EQ((*c->logprobs)[0].logprob, -0.1234567890123456789);
  EXPECT_EQ((*c->logprobs)[0].top[0].logprob, -0.12345678901234567);
}

TEST(ResponseCache, SuccessIsKeptFailureIsReplaced) {
  const auto path = test::scratch_dir() / "c.sqlite";
  ResponseCache cache(path);
  Completion failed;
  failed.error = "HTTP 500";
  cache.put("a", "m", failed);
  EXPECT_FALSE(cache.find("a").has_value());  // failures are not answers
  cache.put("a", "m", success("first"));
  cache.put("a", "m", failed);
  cache.put("a", "m", success("second"));
  EXPECT_EQ(cache.find("a")->text, "first");
  const auto entries = cache.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].completion.ok);
}

TEST(ResponseCache, BatchesAreCommittedWhenFull) {
  const auto path = test::scratch_dir() / "c.sqlite";
  CacheOptions options;
  options.batch_size = 3;
  options.max_batch_age = std::chrono::hours(1);
  ResponseCache writer(path, options);
  ResponseCache reader(path);
  writer.put("a", "m", success("a"));
  writer.put("b", "m", success("b"));
  EXPECT_FALSE(reader.find("a").has_value());  // not committed yet
  writer.put("c", "m", success("c"));
  EXPECT_TRUE(reader.find("a").has_value());
  EXPECT_TRUE(reader.find("c").has_value());
}

TEST(ResponseCache, BadPathIsAClearError) {
  const auto dir = test::scratch_dir();
  std::ofstream(dir / "file") << "x";
  EXPECT_THROW(ResponseCache(dir / "file" / "c.sqlite"), std::exception);
  std::ofstream(dir / "junk.sqlite") << "this is not a database, just some text of some length";
  try {
    ResponseCache junk(dir / "junk.sqlite");
    FAIL() << "opened a non-database";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("junk.sqlite"), std::string::npos) << e.what();
  }
}

TEST(CachedBackend, SecondRunSendsNothingAndGivesTheSameAnswers) {
  test::FakeOpenAIServer server;
  const auto path = test::scratch_dir() / "c.sqlite";
  const auto requests = test::chat_requests(5, 3);
  std::vector<Completion> first, second;
  {
    ResponseCache cache(path);
    OpenAIClient client(test::fast_options({server.base_url()}));
    CachedBackend backend(client, cache);
    first = generate_all(backend, requests);
    EXPECT_EQ(backend.stats().sent, 15u);
    EXPECT_EQ(backend.stats().hits, 0u);
  }
  {
    ResponseCache cache(path);
    OpenAIClient client(test::fast_options({server.base_url()}));
    CachedBackend backend(client, cache);
    second = generate_all(backend, requests);
    EXPECT_EQ(backend.stats().hits, 15u);
    EXPECT_EQ(backend.stats().sent, 0u);
  }
  EXPECT_EQ(server.request_count(), 15u);
  EXPECT_EQ(test::compare_completions(first, second), "");
  for (const auto& c : second) EXPECT_TRUE(c.cached);
}

TEST(CachedBackend, SendsOnlyMissingSamplesAndEachKeyOnce) {
  test::FakeOpenAIServer server;
  const auto path = test::scratch_dir() / "c.sqlite";
  ResponseCache cache(path);
  OpenAIClient client(test::fast_options({server.base_url()}));
  CachedBackend backend(client, cache);
  // Samples 1 and 3 of request 0 first.
  auto requests = test::chat_requests(2, 5);
  auto partial = requests;
  partial.resize(1);
  partial[0].first_sample = 1;
  partial[0].n = 1;
  generate_all(backend, partial);
  partial[0].first_sample = 3;
  generate_all(backend, partial);
  EXPECT_EQ(server.request_count(), 2u);
  // Then everything, with request 1 repeated: 10 distinct samples, 2 cached, 8 sent.
  requests.push_back(requests[1]);
  CachedBackend fresh(client, cache);
  const auto all = generate_all(fresh, requests);
  ASSERT_EQ(all.size(), 15u);
  EXPECT_EQ(fresh.stats().hits, 2u);
  EXPECT_EQ(fresh.stats().sent, 8u);
  EXPECT_EQ(fresh.stats().duplicates, 5u);
  EXPECT_EQ(server.request_count(), 10u);
  for (int s = 0; s < 5; ++s) {
    EXPECT_EQ(all[5 + static_cast<std::size_t>(s)].text,
              all[10 + static_cast<std::size_t>(s)].text);
    EXPECT_EQ(all[10 + static_cast<std::size_t>(s)].request, 2u);
  }
  // The full fault-free answers, computed without any cache.
  test::FakeOpenAIServer other;
  OpenAIClient direct(test::fast_options({other.base_url()}));
  EXPECT_EQ(test::compare_completions(generate_all(direct, requests), all), "");
}

}  // namespace
}  // namespace reasonrec::llm
