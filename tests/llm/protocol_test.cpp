#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm/openai_protocol.hpp"

namespace reasonrec::llm {
namespace {

using nlohmann::json;

GenerationRequest chat_request() {
  GenerationRequest r;
  r.model = "m";
  r.messages = {{"system", "sys"}, {"user", "hi \xff there"}};  // invalid UTF-8 in a review
  r.params.max_tokens = 100;
  r.params.temperature = 0.7;
  r.params.top_p = 0.9;
  r.params.stop = {"###"};
  r.params.seed = 40;
  r.params.top_logprobs = 5;
  return r;
}

TEST(RequestBody, ChatCarriesEveryParameterAndTheSampleSeed) {
  const json body = json::parse(request_body(chat_request(), 2, false));
  EXPECT_EQ(body["model"], "m");
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "hi \xEF\xBF\xBD there");  // U+FFFD
  EXPECT_EQ(body["max_tokens"], 100);
  EXPECT_EQ(body["temperature"], 0.7);
  EXPECT_EQ(body["top_p"], 0.9);
  EXPECT_EQ(body["n"], 1);
  EXPECT_EQ(body["stop"], json::array({"###"}));
  EXPECT_EQ(body["seed"], 42);
  EXPECT_EQ(body["logprobs"], true);
  EXPECT_EQ(body["top_logprobs"], 5);
  EXPECT_FALSE(body.contains("stream"));
}

TEST(RequestBody, CompletionsUsesPromptAndIntegerLogprobs) {
  GenerationRequest r = chat_request();
  r.api = Api::Completion;
  r.prompt = "Once";
  r.params.seed.reset();
  r.params.stop.clear();
  const json body = json::parse(request_body(r, 0, true));
  EXPECT_EQ(body["prompt"], "Once");
  EXPECT_FALSE(body.contains("messages"));
  EXPECT_EQ(body["logprobs"], 5);
  EXPECT_FALSE(body.contains("seed"));
  EXPECT_FALSE(body.contains("stop"));
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"]["include_usage"], true);
}

TEST(ParseResponse, ChatWithLogprobs) {
  const std::string body = R"({"id":"x1","choices":[{"index":0,"finish_reason":"stop",
    "message":{"role":"assistant","content":"Rating: 4"},
    "logprobs":{"content":[{"token":"Rating","logprob":-0.1,"top_logprobs":[]},
      {"token":" 4","logprob":-0.2,"top_logprobs":[{"token":" 4","logprob":-0.2},
      {"token":" 5","logprob":-1.8}]}]}}],
    "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}})";
  const auto r = parse_response(Api::Chat, body);
  EXPECT_EQ(r.id, "x1");
  EXPECT_EQ(r.text, "Rating: 4");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.usage.prompt_tokens, 12);
  EXPECT_EQ(r.usage.completion_tokens, 3);
  ASSERT_TRUE(r.logprobs.has_value());
  ASSERT_EQ(r.logprobs->size(), 2u);
  EXPECT_EQ((*r.logprobs)[1].token, " 4");
  ASSERT_EQ((*r.logprobs)[1].top.size(), 2u);
  EXPECT_EQ((*r.logprobs)[1].top[1].token, " 5");
  EXPECT_DOUBLE_EQ((*r.logprobs)[1].top[1].logprob, -1.8);
}

TEST(ParseResponse, NullContentIsEmptyTextAndMissingUsageIsZero) {
  const auto r = parse_response(
      Api::Chat, R"({"choices":[{"message":{"content":null},"finish_reason":"length"}]})");
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_EQ(r.usage.prompt_tokens, 0);
  EXPECT_FALSE(r.logprobs.has_value());
}

TEST(ParseResponse, CompletionsLegacyLogprobs) {
  const auto r = parse_response(Api::Completion, R"({"choices":[{"text":"4","finish_reason":"stop",
    "logprobs":{"tokens":["4"],"token_logprobs":[-0.3],"top_logprobs":[{"4":-0.3,"3":-1.5}]}}]})");
  EXPECT_EQ(r.text, "4");
  ASSERT_TRUE(r.logprobs.has_value());
  ASSERT_EQ(r.logprobs->front().top.size(), 2u);
  EXPECT_DOUBLE_EQ(r.logprobs->front().logprob, -0.3);
}

TEST(ParseResponse, MalformedBodiesAreProtocolErrors) {
  for (
      const char* body :
      {"", "<html>502</html>", R"({"choices":[{"message":{"content":"4"})", "[]",
       R"({"choices":[]})", R"({"object":"list"})", R"({"choices":[{"message":{"content":7}}]})",
       R"({"error":{"message":"overloaded"}})",
       R"({"choices":[{"message":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":"x"}]}}]})"}) {
    EXPECT_THROW(parse_response(Api::Chat, body), ProtocolError) << body;
  }
  EXPECT_THROW(parse_response(Api::Completion, R"({"choices":[{"message":{"content":"4"}}]})"),
               ProtocolError);
}

TEST(StreamAccumulator, JoinsEventsFedInAnyPieces) {
  const std::string stream =
      ": keep-alive\n\n"
      "data: {\"id\":\"s1\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n"
      "data: "
      "{\"id\":\"s1\",\"choices\":[{\"delta\":{\"content\":\"Rat\"},\"logprobs\":{\"content\":[{"
      "\"token\":\"Rat\",\"logprob\":-0.5,\"top_logprobs\":[]}]}}]}\r\n\r\n"
      "data: {\"id\":\"s1\",\"choices\":[{\"delta\":{\"content\":\"ing: "
      "4\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"s1\",\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
      "data: "
      "{\"id\":\"s1\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n"
      "data: [DONE]\n\n";
  for (std::size_t piece : {1u, 3u, 7u, 64u, 10000u}) {
    StreamAccumulator acc(Api::Chat);
    for (std::size_t i = 0; i < stream.size(); i += piece) acc.feed(stream.substr(i, piece));
    ASSERT_TRUE(acc.done());
    const auto r = acc.finish();
    EXPECT_EQ(r.text, "Rating: 4");
    EXPECT_EQ(r.id, "s1");
    EXPECT_EQ(r.finish_reason, "stop");
    EXPECT_EQ(r.usage.completion_tokens, 2);
    ASSERT_TRUE(r.logprobs.has_value());
    EXPECT_EQ(r.logprobs->size(), 1u);
  }
}

TEST(StreamAccumulator, CutStreamsAndBadEventsAreProtocolErrors) {
  StreamAccumulator cut(Api::Chat);
  cut.feed("data: {\"choices\":[{\"delta\":{\"content\":\"Rat\"}}]}\n\n");
  EXPECT_FALSE(cut.done());
  EXPECT_THROW(cut.finish(), ProtocolError);
  StreamAccumulator empty(Api::Chat);
  EXPECT_THROW(empty.finish(), ProtocolError);
  StreamAccumulator bad(Api::Chat);
  EXPECT_THROW(bad.feed("data: {\"choices\":[{\"del\n"), ProtocolError);
}

TEST(BaseUrl, NormalisedLikeTheOpenAiSdks) {
  EXPECT_EQ(normalize_base_url("http://127.0.0.1:8000"), "http://127.0.0.1:8000/v1");
  EXPECT_EQ(normalize_base_url("http://127.0.0.1:8000/"), "http://127.0.0.1:8000/v1");
  EXPECT_EQ(normalize_base_url("https://api.openai.com/v1/"), "https://api.openai.com/v1");
  EXPECT_EQ(normalize_base_url("https://generativelanguage.googleapis.com/v1beta/openai/"),
            "https://generativelanguage.googleapis.com/v1beta/openai");
  EXPECT_THROW(normalize_base_url("127.0.0.1:8000"), UsageError);
  EXPECT_THROW(normalize_base_url("ftp://host/v1"), UsageError);
  EXPECT_THROW(normalize_base_url("http://"), UsageError);
}

}  // namespace
}  // namespace reasonrec::llm
