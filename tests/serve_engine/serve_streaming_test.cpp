// `reasonrec serve` with continuous batching and the prefix cache, as real processes: streaming
// token by token gives the non-streamed text, the prefix cache changes no result, a client that
// hangs up has its generation cancelled, and /metrics counts what happened.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "raw_http.hpp"
#include "serve_process.hpp"
#include "support/paths.hpp"

namespace reasonrec::test {
namespace {

using json = nlohmann::json;

using ServeStreaming = TinyServeModelTest;

json post_json(int port, const std::string& path, const json& body) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(300, 0);
  const auto res = client.Post(path.c_str(), body.dump(), "application/json");
  if (!res) throw std::runtime_error("POST " + path + " failed");
  if (res->status != 200) throw std::runtime_error(res->body);
  return json::parse(res->body);
}

// Polls until `done` holds or a minute has passed (the machine may be busy).
template <typename Condition>
bool eventually(Condition done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// Per choice: the text of its delta events, one string per non-empty piece.
struct StreamedChoice {
  std::vector<std::string> pieces;
  std::vector<std::string> logprob_tokens;
  std::string finish_reason;
  bool role_first = false;
};

std::map<int, StreamedChoice> choices_of(const std::vector<json>& events, bool chat) {
  std::map<int, StreamedChoice> out;
  EXPECT_FALSE(events.empty());
  EXPECT_EQ(events.back(), json("[DONE]"));
  for (const json& e : events) {
    if (e.is_string()) continue;
    for (const json& c : e.at("choices")) {
      StreamedChoice& choice = out[c.at("index").get<int>()];
      if (chat && c.at("delta").contains("role")) {
        choice.role_first = choice.pieces.empty() && choice.logprob_tokens.empty();
      }
      const json& text = chat ? c.at("delta").value("content", json("")) : c.at("text");
      if (!text.get<std::string>().empty()) {
        EXPECT_TRUE(choice.finish_reason.empty()) << "text after the finish chunk";
        choice.pieces.push_back(text.get<std::string>());
      }
      if (!c.at("logprobs").is_null()) {
        if (chat) {
          for (const json& t : c.at("logprobs").at("content"))
            choice.logprob_tokens.push_back(t.at("token"));
        } else {
          for (const json& t : c.at("logprobs").at("tokens")) choice.logprob_tokens.push_back(t);
        }
      }
      if (!c.at("finish_reason").is_null()) choice.finish_reason = c.at("finish_reason");
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string out;
  for (const auto& p : pieces) out += p;
  return out;
}

TEST_F(ServeStreaming, TokenByTokenStreamEqualsTheNonStreamedAnswer) {
  const auto chat_template = dir_ / "chat.jinja";
  std::ofstream(chat_template)
      << "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:";
  ServeProcess server(model_, {"--chat-template", chat_template.string()});

  // Completions: two prompts, two samples each, with log-probabilities.
  json completion = {{"model", "tiny"},
                     {"prompt", {"Once upon a time", "The little dog"}},
                     {"n", 2},
                     {"max_tokens", 40},
                     {"temperature", 0.9},
                     {"seed", 11},
                     {"ignore_eos", true},
                     {"logprobs", 2}};
  const json plain = post_json(server.port(), "/v1/completions", completion);
  completion["stream"] = true;
  const auto streamed =
      choices_of(stream_events(server.port(), "/v1/completions", completion.dump()), false);
  ASSERT_EQ(plain.at("choices").size(), 4u);
  ASSERT_EQ(streamed.size(), 4u);
  for (const json& c : plain.at("choices")) {
    const StreamedChoice& s = streamed.at(c.at("index").get<int>());
    EXPECT_EQ(joined(s.pieces), c.at("text").get<std::string>());
    EXPECT_GT(s.pieces.size(), 1u) << "the choice came in one piece";
    EXPECT_EQ(s.finish_reason, c.at("finish_reason"));
    EXPECT_EQ(s.logprob_tokens, c.at("logprobs").at("tokens").get<std::vector<std::string>>());
  }

  // Chat: the first chunk of each choice names the role.
  json chat = {{"model", "tiny"},
               {"messages", {{{"role", "user"}, {"content", "Tell me a story."}}}},
               {"n", 3},
               {"max_tokens", 30},
               {"temperature", 1.0},
               {"seed", 4},
               {"logprobs", true},
               {"top_logprobs", 1}};
  const json chat_plain = post_json(server.port(), "/v1/chat/completions", chat);
  chat["stream"] = true;
  const auto chat_streamed =
      choices_of(stream_events(server.port(), "/v1/chat/completions", chat.dump()), true);
  ASSERT_EQ(chat_streamed.size(), 3u);
  for (const json& c : chat_plain.at("choices")) {
    const StreamedChoice& s = chat_streamed.at(c.at("index").get<int>());
    EXPECT_TRUE(s.role_first);
    EXPECT_EQ(joined(s.pieces), c.at("message").at("content").get<std::string>());
    EXPECT_EQ(s.finish_reason, c.at("finish_reason"));
    std::vector<std::string> tokens;
    for (const json& t : c.at("logprobs").at("content")) tokens.push_back(t.at("token"));
    EXPECT_EQ(s.logprob_tokens, tokens);
    if (tokens.size() > 1) {
      EXPECT_GT(s.pieces.size(), 1u);
    }
  }
}

// The Rec-SAVER shape: three prompts over the same long history, several samples each.
std::vector<json> shared_prefix_requests() {
  std::string history = "User history:";
  for (int i = 0; i < 12; ++i) {
    history += " Review " + std::to_string(i) +
               ": the little cat sat on the mat and was happy with the soft blanket.";
  }
  std::vector<json> requests;
  const char* tails[] = {" Predict the rating.", " Explain the rating.", " Verify the reason."};
  for (int i = 0; i < 3; ++i) {
    requests.push_back({{"model", "tiny"},
                        {"prompt", history + tails[i]},
                        {"n", i == 1 ? 4 : 2},
                        {"max_tokens", 24},
                        {"temperature", 0.8},
                        {"seed", 100 + i},
                        {"logprobs", 1}});
  }
  return requests;
}

TEST_F(ServeStreaming, PrefixCacheAndContinuousBatchingChangeNoResult) {
  ServeProcess cached(model_);
  ServeProcess uncached(model_, {"--no-prefix-cache"});
  const auto requests = shared_prefix_requests();

  // Uncached: one after the other. Cached: all at once (they join the running batch), then
  // again one by one (now every prompt is in the cache).
  std::vector<json> alone;
  for (const json& r : requests) alone.push_back(post_json(uncached.port(), "/v1/completions", r));
  std::vector<json> together(requests.size());
  {
    std::vector<std::thread> clients;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      clients.emplace_back(
          [&, i] { together[i] = post_json(cached.port(), "/v1/completions", requests[i]); });
    }
    for (auto& t : clients) t.join();
  }
  std::vector<json> again;
  for (const json& r : requests) again.push_back(post_json(cached.port(), "/v1/completions", r));

  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    const json& expected = alone[i].at("choices");
    ASSERT_EQ(expected.size(), static_cast<std::size_t>(requests[i].at("n").get<int>()));
    for (const json* other : {&together[i], &again[i]}) {
      const json& got = other->at("choices");
      ASSERT_EQ(got.size(), expected.size());
      for (std::size_t c = 0; c < expected.size(); ++c) {
        EXPECT_EQ(got[c].at("text"), expected[c].at("text")) << "request " << i << " choice " << c;
        EXPECT_EQ(got[c].at("finish_reason"), expected[c].at("finish_reason"));
        const json& a = got[c].at("logprobs");
        const json& b = expected[c].at("logprobs");
        EXPECT_EQ(a.at("tokens"), b.at("tokens"));
        for (std::size_t t = 0; t < a.at("token_logprobs").size(); ++t) {
          EXPECT_NEAR(a.at("token_logprobs")[t].get<double>(),
                      b.at("token_logprobs")[t].get<double>(), 1e-3);
        }
      }
    }
    prompt_tokens += alone[i].at("usage").at("prompt_tokens").get<std::int64_t>();
    completion_tokens += alone[i].at("usage").at("completion_tokens").get<std::int64_t>();
  }

  // The counters agree with what the responses say.
  const auto with_cache = metrics_of(cached.port());
  const auto without = metrics_of(uncached.port());
  EXPECT_EQ(without.at("reasonrec_generation_requests_total"), 3.0);
  EXPECT_EQ(with_cache.at("reasonrec_generation_requests_total"), 6.0);
  EXPECT_EQ(without.at("reasonrec_prompt_tokens_total"), static_cast<double>(prompt_tokens));
  EXPECT_EQ(with_cache.at("reasonrec_prompt_tokens_total"),
            2.0 * static_cast<double>(prompt_tokens));
  EXPECT_EQ(without.at("reasonrec_generated_tokens_total"), static_cast<double>(completion_tokens));
  EXPECT_EQ(with_cache.at("reasonrec_generated_tokens_total"),
            2.0 * static_cast<double>(completion_tokens));
  EXPECT_EQ(without.at("reasonrec_prompt_tokens_reused_total"), 0.0);
  EXPECT_EQ(without.at("reasonrec_prompt_tokens_reused_fraction"), 0.0);
  EXPECT_GT(with_cache.at("reasonrec_prompt_tokens_reused_total"), 0.0);
  EXPECT_GT(with_cache.at("reasonrec_prompt_tokens_reused_fraction"), 0.0);
  EXPECT_LE(with_cache.at("reasonrec_prompt_tokens_reused_fraction"), 1.0);
  EXPECT_NEAR(with_cache.at("reasonrec_prompt_tokens_reused_fraction"),
              with_cache.at("reasonrec_prompt_tokens_reused_total") /
                  with_cache.at("reasonrec_prompt_tokens_total"),
              1e-9);
  // Twice the prompts, and the second round came from the cache: fewer tokens computed than
  // twice the uncached server's.
  EXPECT_LT(with_cache.at("reasonrec_prompt_tokens_computed_total"),
            2.0 * without.at("reasonrec_prompt_tokens_computed_total"));
  EXPECT_GT(with_cache.at("reasonrec_prefix_cache_entries"), 0.0);
  EXPECT_GT(with_cache.at("reasonrec_prefix_cache_bytes"), 0.0);
  EXPECT_EQ(with_cache.at("reasonrec_cancelled_total"), 0.0);
  EXPECT_EQ(with_cache.at("reasonrec_http_completion_requests_total"), 6.0);

  // The shutdown line reports the reuse.
  EXPECT_EQ(cached.terminate(), 0);
  EXPECT_NE(cached.log().find("6 completion requests served (6 prompts)"), std::string::npos)
      << cached.log();
  EXPECT_NE(cached.log().find("prompt tokens reused from the prefix cache"), std::string::npos);
}

TEST_F(ServeStreaming, ClientThatHangsUpHasItsGenerationCancelled) {
  ServeProcess server(model_);
  const json endless = {{"model", "tiny"},     {"prompt", "Once upon a time"},
                        {"max_tokens", 16000}, {"temperature", 0.7},
                        {"seed", 1},           {"ignore_eos", true}};

  // A stream: hang up after the first pieces.
  {
    json body = endless;
    body["stream"] = true;
    RawConnection client(server.port());
    client.post("/v1/completions", body.dump());
    ASSERT_EQ(client.status(), 200);
    ASSERT_EQ(client.read_events(3).size(), 3u);
  }
  ASSERT_TRUE(eventually([&] {
    return metrics_of(server.port()).at("reasonrec_cancelled_total") >= 1;
  })) << server.log();
  // Stopped: nothing is generated any more, far short of max_tokens.
  const double generated = metrics_of(server.port()).at("reasonrec_generated_tokens_total");
  EXPECT_LT(generated, 16000.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(metrics_of(server.port()).at("reasonrec_generated_tokens_total"), generated);

  // Not streamed: hang up once generation has started.
  {
    RawConnection client(server.port());
    client.post("/v1/completions", endless.dump());
    ASSERT_TRUE(eventually([&] {
      return metrics_of(server.port()).at("reasonrec_generated_tokens_total") > generated;
    }));
  }
  ASSERT_TRUE(eventually([&] {
    return metrics_of(server.port()).at("reasonrec_cancelled_total") >= 2;
  })) << "a non-streamed request whose client left was not cancelled\n"
      << server.log();
  const double after = metrics_of(server.port()).at("reasonrec_generated_tokens_total");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(metrics_of(server.port()).at("reasonrec_generated_tokens_total"), after);

  // The server goes on serving.
  const json answer =
      post_json(server.port(), "/v1/completions",
                {{"model", "tiny"}, {"prompt", "Once"}, {"max_tokens", 5}, {"temperature", 0.0}});
  EXPECT_EQ(answer.at("choices").size(), 1u);
  EXPECT_EQ(metrics_of(server.port()).at("reasonrec_cancelled_total"), 2.0);
  EXPECT_EQ(server.terminate(), 0);
}

}  // namespace
}  // namespace reasonrec::test
