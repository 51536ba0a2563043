// The libcurl client against the fault-injecting server: every fault class is retried to the
// same result a fault-free run gets; what cannot succeed is reported failed with its reason.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "fake_openai_server.hpp"
#include "llm/openai_client.hpp"
#include "llm/openai_protocol.hpp"
#include "test_helpers.hpp"

namespace reasonrec::llm {
namespace {

using test::FakeOpenAIServer;
using test::FakeServerOptions;
using test::Fault;
using test::FaultKind;

std::vector<Completion> run(const ClientOptions& options,
                            const std::vector<GenerationRequest>& requests,
                            ClientStats* stats = nullptr) {
  OpenAIClient client(options);
  auto out = generate_all(client, requests);
  if (stats) *stats = client.stats();
  return out;
}

// The fault-free answers, from a server of its own.
std::vector<Completion> reference(const std::vector<GenerationRequest>& requests) {
  FakeOpenAIServer server;
  return run(test::fast_options({server.base_url()}), requests);
}

TEST(OpenAIClient, AnswersEverySampleOfEveryRequest) {
  FakeOpenAIServer server;
  const auto requests = test::chat_requests(12, 3);
  ClientStats stats;
  const auto out = run(test::fast_options({server.base_url()}), requests, &stats);
  ASSERT_EQ(out.size(), 36u);
  std::set<std::string> texts;
  for (const auto& c : out) {
    ASSERT_TRUE(c.ok) << c.error;
    EXPECT_NE(c.text.find("### Rating ###"), std::string::npos);
    EXPECT_EQ(c.finish_reason, "stop");
    EXPECT_GT(c.usage.prompt_tokens, 0);
    EXPECT_GT(c.usage.completion_tokens, 0);
    EXPECT_EQ(c.attempts, 1);
    EXPECT_EQ(c.endpoint, server.base_url());
    EXPECT_FALSE(c.logprobs.has_value());
    texts.insert(c.text);
  }
  EXPECT_GT(texts.size(), 5u);  // distinct prompts and seeds give distinct answers
  EXPECT_EQ(server.request_count(), 36u);
  EXPECT_EQ(stats.attempts, 36u);
  EXPECT_EQ(stats.retries, 0u);
}

TEST(OpenAIClient, SamplesCarryTheirOwnSeed) {
  FakeOpenAIServer server;
  auto requests = test::chat_requests(1, 4);
  const auto out = run(test::fast_options({server.base_url()}), requests);
  ASSERT_EQ(out.size(), 4u);
  // The server's answer depends on the seed: sample i is sent seed 7 + i.
  auto shifted = requests;
  shifted[0].params.seed = 8;
  shifted[0].n = 1;
  const auto one = run(test::fast_options({server.base_url()}), shifted);
  EXPECT_EQ(one[0].text, out[1].text);
}

TEST(OpenAIClient, CompletionsRouteAndLogprobs) {
  FakeOpenAIServer server;
  std::vector<GenerationRequest> requests(3);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    requests[i].model = "m";
    requests[i].api = Api::Completion;
    requests[i].prompt = "Prompt number " + std::to_string(i);
    requests[i].params.top_logprobs = 5;
    requests[i].params.seed = 1;
  }
  const auto out = run(test::fast_options({server.base_url()}), requests);
  for (const auto& c : out) {
    ASSERT_TRUE(c.ok) << c.error;
    ASSERT_TRUE(c.logprobs.has_value());
    std::string joined;
    for (const auto& t : *c.logprobs) joined += t.token;
    EXPECT_EQ(joined, c.text);
    EXPECT_EQ(c.logprobs->back().top.size(), 5u);
  }
  for (const auto& r : server.requests()) EXPECT_EQ(r.path, "/v1/completions");
}

TEST(OpenAIClient, StreamingGivesTheSameResultsAsOneBody) {
  auto requests = test::chat_requests(6, 2);
  for (auto& r : requests) r.params.top_logprobs = 3;
  const auto plain = reference(requests);
  FakeOpenAIServer server;
  auto options = test::fast_options({server.base_url()});
  options.stream = true;
  const auto streamed = run(options, requests);
  EXPECT_EQ(test::compare_completions(plain, streamed), "");
}

TEST(OpenAIClient, LengthLimitIsReportedAsFinishReason) {
  FakeOpenAIServer server;
  auto requests = test::chat_requests(2);
  for (auto& r : requests) r.params.max_tokens = 3;
  const auto out = run(test::fast_options({server.base_url()}), requests);
  for (const auto& c : out) {
    ASSERT_TRUE(c.ok);
    EXPECT_EQ(c.finish_reason, "length");
    EXPECT_EQ(c.usage.completion_tokens, 3);
  }
}

struct FaultCase {
  const char* name;
  Fault fault;
};

void PrintTo(const FaultCase& c, std::ostream* out) {
  *out << c.name;
}

class EveryFault : public ::testing::TestWithParam<FaultCase> {};

// Every request fails twice with the fault, then succeeds: the results equal a fault-free run
// and every request was sent exactly three times.
TEST_P(EveryFault, IsRetriedToTheFaultFreeResult) {
  auto requests = test::chat_requests(8, 2);
  for (auto& r : requests) r.params.top_logprobs = 2;
  const auto expected = reference(requests);

  FakeServerOptions so;
  const Fault fault = GetParam().fault;
  so.faults = [fault](const test::RequestInfo& info) { return info.nth < 2 ? fault : Fault{}; };
  FakeOpenAIServer server(so);
  auto options = test::fast_options({server.base_url()});
  options.timeout = std::chrono::milliseconds(300);
  options.endpoints.failures_before_dead = 1000;  // this test is about retries only
  std::vector<std::string> notices;
  options.on_notice = [&](const std::string& n) { notices.push_back(n); };
  ClientStats stats;
  const auto out = run(options, requests, &stats);
  EXPECT_EQ(test::compare_completions(expected, out), "");
  // A reset or hang-up on a reused keep-alive connection may be resent by libcurl itself
  // (a stale connection is indistinguishable from a dead one), so the server can see a send
  // that the client never counted as an attempt (both faults can be absorbed that way, leaving
  // one counted attempt). The server's count is exact either way.
  const bool connection_fault = fault.kind == FaultKind::Reset || fault.kind == FaultKind::HangUp;
  std::uint64_t retries = 0;
  for (const auto& c : out) {
    if (connection_fault) {
      EXPECT_GE(c.attempts, 1);
      EXPECT_LE(c.attempts, 3);
    } else {
      EXPECT_EQ(c.attempts, 3);
    }
    retries += static_cast<std::uint64_t>(c.attempts - 1);
  }
  std::map<std::uint64_t, int> sends;
  for (const auto& r : server.requests()) ++sends[r.body_hash];
  EXPECT_EQ(sends.size(), 16u);
  for (const auto& [hash, n] : sends) EXPECT_EQ(n, 3);
  EXPECT_EQ(stats.retries, retries);
  EXPECT_EQ(notices.size(), retries);
}

INSTANTIATE_TEST_SUITE_P(
    Faults, EveryFault,
    ::testing::Values(FaultCase{"rate_limit_ms", {FaultKind::RateLimit, 429, "", "20", {}}},
                      FaultCase{"rate_limit_seconds", {FaultKind::RateLimit, 429, "0.02", "", {}}},
                      FaultCase{"server_500", {FaultKind::ServerError, 500, "", "", {}}},
                      FaultCase{"server_503", {FaultKind::ServerError, 503, "", "", {}}},
                      FaultCase{"slow_beyond_timeout",
                                {FaultKind::Slow, 200, "", "", std::chrono::milliseconds(700)}},
                      FaultCase{"reset", {FaultKind::Reset, 0, "", "", {}}},
                      FaultCase{"truncated_body", {FaultKind::TruncatedBody, 0, "", "", {}}},
                      FaultCase{"truncated_json", {FaultKind::TruncatedJson, 0, "", "", {}}},
                      FaultCase{"wrong_content_type", {FaultKind::WrongContentType, 0, "", "", {}}},
                      FaultCase{"hang_up", {FaultKind::HangUp, 0, "", "", {}}}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(OpenAIClient, RetryAfterIsHonoured) {
  FakeServerOptions so;
  so.faults = [](const test::RequestInfo& info) {
    return info.nth == 0 ? Fault{FaultKind::RateLimit, 429, "1", "", {}} : Fault{};
  };
  FakeOpenAIServer server(so);
  auto options = test::fast_options({server.base_url()});
  std::vector<std::string> notices;
  options.on_notice = [&](const std::string& n) { notices.push_back(n); };
  const auto out = run(options, test::chat_requests(1));
  ASSERT_TRUE(out[0].ok);
  ASSERT_EQ(notices.size(), 1u);
  // The wait chosen is the server's 1 s, not the 5-50 ms backoff.
  EXPECT_NE(notices[0].find("waiting 1.00s"), std::string::npos) << notices[0];
}

TEST(OpenAIClient, PersistentFailureIsRecordedWithItsReason) {
  FakeServerOptions so;
  so.faults = [](const test::RequestInfo&) {
    return Fault{FaultKind::ServerError, 500, "", "", {}};
  };
  FakeOpenAIServer server(so);
  auto options = test::fast_options({server.base_url()});
  options.max_attempts = 3;
  options.endpoints.failures_before_dead = 1000;
  ClientStats stats;
  const auto out = run(options, test::chat_requests(2), &stats);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& c : out) {
    EXPECT_FALSE(c.ok);
    EXPECT_EQ(c.attempts, 3);
    EXPECT_NE(c.error.find("HTTP 500"), std::string::npos) << c.error;
    EXPECT_NE(c.error.find("after 3 attempts"), std::string::npos) << c.error;
  }
  EXPECT_EQ(server.request_count(), 6u);
  EXPECT_EQ(stats.failed, 2u);
}

TEST(OpenAIClient, ClientErrorsAreNotRetried) {
  FakeOpenAIServer server;
  auto requests = test::chat_requests(1);
  auto options = test::fast_options({server.base_url()});
  // The server answers 404 for an unknown route; here: a base URL with a wrong path.
  options.base_urls = {server.base_url() + "/nowhere"};
  const auto out = run(options, requests);
  EXPECT_FALSE(out[0].ok);
  EXPECT_EQ(out[0].attempts, 1);
  EXPECT_NE(out[0].error.find("HTTP 404"), std::string::npos) << out[0].error;
}

TEST(OpenAIClient, LoadIsSpreadOverEndpoints) {
  FakeServerOptions so;
  so.latency = std::chrono::milliseconds(20);
  FakeOpenAIServer a(so), b(so);
  const auto out =
      run(test::fast_options({a.base_url(), b.base_url()}, 8), test::chat_requests(40));
  for (const auto& c : out) ASSERT_TRUE(c.ok);
  EXPECT_GE(a.request_count(), 10u);
  EXPECT_GE(b.request_count(), 10u);
  EXPECT_EQ(a.request_count() + b.request_count(), 40u);
}

TEST(OpenAIClient, DeadEndpointIsTakenOutAndTheRunCompletes) {
  FakeOpenAIServer alive;
  FakeOpenAIServer dead;
  const std::string dead_url = dead.base_url();
  dead.stop();  // connections to it are refused from now on
  auto options = test::fast_options({dead_url, alive.base_url()}, 4);
  options.endpoints.failures_before_dead = 2;
  options.endpoints.cooldown = std::chrono::milliseconds(10000);  // no probe during the run
  const auto expected = reference(test::chat_requests(30));
  ClientStats stats;
  const auto out = run(options, test::chat_requests(30), &stats);
  EXPECT_EQ(test::compare_completions(expected, out), "");
  ASSERT_EQ(stats.endpoints.size(), 2u);
  // Requests already in flight when it died may fail too, but no more than the concurrency.
  EXPECT_LE(stats.endpoints[0].requests, 2u + 4u);
  EXPECT_EQ(stats.endpoints[0].deaths, 1);
  EXPECT_EQ(stats.endpoints[0].successes, 0u);
  EXPECT_EQ(stats.endpoints[1].successes, 30u);
}

TEST(OpenAIClient, EndpointThatDiesMidRunIsRoutedAround) {
  FakeServerOptions so;
  so.latency = std::chrono::milliseconds(20);
  FakeOpenAIServer a(so), b(so);
  const auto requests = test::chat_requests(60);
  const auto expected = reference(requests);
  // Kill `a` once it has served a few requests, noting what each endpoint had seen by then.
  std::atomic<std::size_t> a_at_kill{0}, b_at_kill{0};
  std::thread killer([&] {
    for (int i = 0; i < 5000 && a.request_count() < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    a.stop();
    a_at_kill = a.request_count();
    b_at_kill = b.request_count();
  });
  auto options = test::fast_options({a.base_url(), b.base_url()}, 6);
  ClientStats stats;
  const auto out = run(options, requests, &stats);
  killer.join();
  EXPECT_EQ(test::compare_completions(expected, out), "");
  // It died mid-run: both endpoints had work, and most of the run was still to come.
  ASSERT_GE(a_at_kill.load(), 5u);
  ASSERT_GT(b_at_kill.load(), 0u);
  ASSERT_LT(a_at_kill + b_at_kill, 40u) << "the run was nearly over before the kill";
  // The client saw it die and took it out of the rotation...
  ASSERT_EQ(stats.endpoints.size(), 2u);
  EXPECT_GE(stats.endpoints[0].faults, 1u);
  EXPECT_GE(stats.endpoints[0].deaths, 1);
  EXPECT_EQ(a.request_count(), a_at_kill.load());  // nothing reached it after its death
  // ...and the traffic moved: `b` answered everything `a` did not answer before it died.
  EXPECT_LE(stats.endpoints[0].successes, a_at_kill.load());
  EXPECT_EQ(stats.endpoints[0].successes + stats.endpoints[1].successes, 60u);
  EXPECT_GE(b.request_count(), 60u - a_at_kill);
  EXPECT_GE(b.request_count() - b_at_kill, 60u - a_at_kill - b_at_kill);
}

TEST(OpenAIClient, LoneFlakyEndpointIsRetriedNotBenched) {
  // A single server failing 30% of requests, three in a row each time: a fleet would take it
  // out for a cooldown, but a fleet of one has nowhere else to go, so it must keep taking the
  // retries (each after its own backoff).
  FakeServerOptions so;
  so.faults = [](const test::RequestInfo& info) {
    return info.index % 10 < 3 ? Fault{FaultKind::ServerError, 503, "", "", {}} : Fault{};
  };
  FakeOpenAIServer server(so);
  auto options = test::fast_options({server.base_url()}, 1);  // one at a time: faults in a row
  options.max_attempts = 10;
  options.endpoints.failures_before_dead = 3;
  options.endpoints.cooldown = std::chrono::milliseconds(5000);
  options.endpoints.max_cooldown = std::chrono::milliseconds(60000);
  const auto requests = test::chat_requests(40);
  const auto expected = reference(requests);
  ClientStats stats;
  const auto out = run(options, requests, &stats);
  EXPECT_EQ(test::compare_completions(expected, out), "");
  std::size_t faults = 0;
  for (const auto& r : server.requests()) faults += r.fault != FaultKind::None;
  ASSERT_GE(faults, 9u);  // three runs of three faults in a row at least
  ASSERT_EQ(stats.endpoints.size(), 1u);
  EXPECT_EQ(stats.endpoints[0].faults, faults);
  EXPECT_EQ(stats.endpoints[0].deaths, 0) << "the only endpoint was benched for a cooldown";
  EXPECT_EQ(stats.retries, faults);
  EXPECT_EQ(stats.endpoints[0].requests, 40u + faults);
}

TEST(OpenAIClient, GivesUpWhenEveryEndpointStaysDead) {
  FakeOpenAIServer server;
  const std::string url = server.base_url();
  server.stop();
  auto options = test::fast_options({url});
  options.max_attempts = 1000;
  options.give_up_after = std::chrono::milliseconds(300);
  const auto out = run(options, test::chat_requests(5));
  for (const auto& c : out) {
    EXPECT_FALSE(c.ok);
    EXPECT_NE(c.error.find("no endpoint reachable"), std::string::npos) << c.error;
  }
}

TEST(OpenAIClient, RateLimitedRunStillCompletes) {
  FakeOpenAIServer server;
  auto options = test::fast_options({server.base_url()});
  // 600 a minute is 10 a second in bursts of 60: the last requests must wait for the bucket.
  options.requests_per_minute = 600;
  const auto requests = test::chat_requests(66);
  ClientStats stats;
  const auto out = run(options, requests, &stats);
  for (const auto& c : out) EXPECT_TRUE(c.ok) << c.error;
  EXPECT_EQ(server.request_count(), 66u);
  EXPECT_GE(stats.rate_limit_waits, 1u) << "the limiter never held a request back";
  EXPECT_LE(stats.rate_limit_waits, 66u);
  EXPECT_GT(stats.rate_limit_wait_seconds, 0.0);

  // Without limits nothing waits.
  FakeOpenAIServer unlimited;
  ClientStats free_stats;
  run(test::fast_options({unlimited.base_url()}), requests, &free_stats);
  EXPECT_EQ(free_stats.rate_limit_waits, 0u);
}

TEST(OpenAIClient, SendsTheApiKey) {
  FakeOpenAIServer server;
  auto options = test::fast_options({server.base_url()});
  options.api_key = "sk-test";
  const auto out = run(options, test::chat_requests(3));
  for (const auto& c : out) EXPECT_TRUE(c.ok) << c.error;
  const auto served = server.requests();
  ASSERT_EQ(served.size(), 3u);
  for (const auto& r : served) EXPECT_EQ(r.authorization, "Bearer sk-test");

  // No key: no Authorization header at all.
  FakeOpenAIServer keyless;
  run(test::fast_options({keyless.base_url()}), test::chat_requests(1));
  ASSERT_EQ(keyless.requests().size(), 1u);
  EXPECT_EQ(keyless.requests()[0].authorization, "");
}

TEST(OpenAIClient, RejectsBadSettings) {
  ClientOptions o;
  o.base_urls = {"ftp://x"};
  EXPECT_THROW(OpenAIClient{o}, UsageError);
  o.base_urls = {};
  EXPECT_THROW(OpenAIClient{o}, UsageError);
  o.base_urls = {"http://127.0.0.1:1"};
  o.concurrency = 0;
  EXPECT_THROW(OpenAIClient{o}, UsageError);
}

}  // namespace
}  // namespace reasonrec::llm
