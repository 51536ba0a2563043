#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "llm/openai_protocol.hpp"
#include "serve/api_error.hpp"
#include "serve/api_request.hpp"
#include "serve/api_response.hpp"

namespace reasonrec::serve {
namespace {

std::string error_param(Route route, const std::string& body) {
  try {
    parse_request(route, body);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_EQ(e.type(), "invalid_request_error");
    return e.param().empty() ? "<none>" : e.param();
  }
  return "<accepted>";
}

// What our own client sends (llm::request_body) is what the server must understand.
TEST(ServeRequest, ReadsWhatTheClientSends) {
  llm::GenerationRequest request;
  request.model = "tiny";
  request.api = llm::Api::Chat;
  request.messages = {{"system", "Be brief."}, {"user", "Rate it: caf\xc3\xa9 \"ok\""}};
  request.params.max_tokens = 77;
  request.params.temperature = 0.7;
  request.params.top_p = 0.9;
  request.params.stop = {"\n\n", "###"};
  request.params.seed = 41;
  request.params.top_logprobs = 5;
  const ApiRequest chat = parse_request(Route::Chat, llm::request_body(request, 2, true));
  EXPECT_EQ(chat.model, "tiny");
  ASSERT_EQ(chat.messages.size(), 2u);
  EXPECT_EQ(chat.messages[1].content, "Rate it: caf\xc3\xa9 \"ok\"");
  EXPECT_EQ(chat.max_tokens, 77);
  EXPECT_DOUBLE_EQ(chat.temperature, 0.7);
  EXPECT_DOUBLE_EQ(chat.top_p, 0.9);
  EXPECT_EQ(chat.stop, (std::vector<std::string>{"\n\n", "###"}));
  EXPECT_EQ(chat.seed, 43u);  // seed + sample index
  EXPECT_TRUE(chat.logprobs);
  EXPECT_EQ(chat.top_logprobs, 5);
  EXPECT_TRUE(chat.stream);
  EXPECT_TRUE(chat.include_usage);

  request.api = llm::Api::Completion;
  request.prompt = "Once upon a time";
  const ApiRequest completion =
      parse_request(Route::Completion, llm::request_body(request, 0, false));
  EXPECT_EQ(completion.prompts, std::vector<std::string>{"Once upon a time"});
  EXPECT_TRUE(completion.logprobs);
  EXPECT_EQ(completion.top_logprobs, 5);
  EXPECT_FALSE(completion.stream);
}

TEST(ServeRequest, DefaultsFollowOpenAi) {
  const ApiRequest r =
      parse_request(Route::Chat, R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
  EXPECT_EQ(r.n, 1);
  EXPECT_DOUBLE_EQ(r.temperature, 1.0);
  EXPECT_DOUBLE_EQ(r.top_p, 1.0);
  EXPECT_FALSE(r.max_tokens.has_value());
  EXPECT_FALSE(r.seed.has_value());
  EXPECT_FALSE(r.logprobs);
  // Null means absent; content parts are joined.
  const ApiRequest parts = parse_request(
      Route::Chat,
      R"({"model":"m","temperature":null,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]})");
  EXPECT_EQ(parts.messages[0].content, "ab");
  EXPECT_DOUBLE_EQ(parts.temperature, 1.0);
}

TEST(ServeRequest, ErrorsNameTheField) {
  const std::string ok_messages = R"("messages":[{"role":"user","content":"hi"}])";
  EXPECT_EQ(error_param(Route::Chat, "{not json"), "<none>");
  EXPECT_EQ(error_param(Route::Chat, "[1,2]"), "<none>");
  EXPECT_EQ(error_param(Route::Chat, "{" + ok_messages + "}"), "model");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":3,)" + ok_messages + "}"), "model");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m"})"), "messages");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","messages":[]})"), "messages");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","messages":[{"content":"x"}]})"),
            "messages[0].role");
  EXPECT_EQ(
      error_param(Route::Chat, R"({"model":"m","messages":[{"role":"robot","content":"x"}]})"),
      "messages[0].role");
  EXPECT_EQ(
      error_param(Route::Chat,
                  R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})"),
      "messages[0].content[0].type");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","temperature":"hot",)" + ok_messages + "}"),
            "temperature");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","temperature":3,)" + ok_messages + "}"),
            "temperature");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","top_p":0,)" + ok_messages + "}"), "top_p");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","n":0,)" + ok_messages + "}"), "n");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","n":1.5,)" + ok_messages + "}"), "n");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","n":1000,)" + ok_messages + "}"), "n");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","max_tokens":0,)" + ok_messages + "}"),
            "max_tokens");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","stop":[1],)" + ok_messages + "}"), "stop");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","stop":"",)" + ok_messages + "}"), "stop");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","top_logprobs":3,)" + ok_messages + "}"),
            "top_logprobs");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","stream":"yes",)" + ok_messages + "}"),
            "stream");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","guided_regex":"a","constraint":"rating",)" +
                                         ok_messages + "}"),
            "constraint");
  EXPECT_EQ(error_param(Route::Completion, R"({"model":"m"})"), "prompt");
  EXPECT_EQ(error_param(Route::Completion, R"({"model":"m","prompt":[1,2,3]})"), "prompt");
  EXPECT_EQ(error_param(Route::Completion, R"({"model":"m","prompt":"x","logprobs":99})"),
            "logprobs");
  EXPECT_EQ(error_param(Route::Completion, R"({"model":"m","prompt":"x","seed":1e30})"), "seed");
  // Numbers beyond double range are bad input naming where they are, not a server error.
  EXPECT_EQ(error_param(Route::Completion, R"({"model":"m","prompt":"x","temperature":1e400})"),
            "temperature");
  EXPECT_EQ(error_param(Route::Chat, R"({"model":"m","messages":[{"role":"user","content":"x"},)"
                                     R"({"role":"user","content":"y","extra":[1,2,-1e999]}]})"),
            "messages[1].extra[2]");
  EXPECT_EQ(
      error_param(Route::Completion, R"({"model":"m","prompt":"x","logit_bias":{"5":1e400}})"),
      "logit_bias.5");
  // A chat of system instructions only names messages.
  EXPECT_EQ(
      error_param(Route::Chat, R"({"model":"m","messages":[{"role":"system","content":"s"}]})"),
      "messages");
}

// One small body must not ask for unbounded work: 64 prompts x n=64 x max_tokens.
TEST(ServeRequest, WorkPerRequestIsCapped) {
  std::string prompts = "[";
  for (int i = 0; i < 64; ++i) prompts += std::string(i ? "," : "") + "\"p\"";
  prompts += "]";
  EXPECT_EQ(error_param(Route::Completion, R"({"model":"m","n":64,"prompt":)" + prompts + "}"),
            "n");  // 4096 sequences
  EXPECT_EQ(error_param(Route::Completion,
                        R"({"model":"m","n":4,"max_tokens":10000,"prompt":)" + prompts + "}"),
            "max_tokens");  // 256 sequences x 10000 tokens
  EXPECT_EQ(error_param(Route::Completion,
                        R"({"model":"m","n":4,"max_tokens":4000,"prompt":)" + prompts + "}"),
            "<accepted>");  // 256 x 4000 = 1,024,000 tokens: within the default 2^20
  RequestLimits strict;
  strict.max_sequences = 2;
  strict.max_generated_tokens = 100;
  EXPECT_THROW(
      parse_request(Route::Chat,
                    R"({"model":"m","n":3,"messages":[{"role":"user","content":"x"}]})", strict),
      ApiError);
  EXPECT_THROW(parse_request(Route::Chat,
                             R"({"model":"m","n":2,"max_tokens":51,)"
                             R"("messages":[{"role":"user","content":"x"}]})",
                             strict),
               ApiError);
  EXPECT_NO_THROW(parse_request(Route::Chat,
                                R"({"model":"m","n":2,"max_tokens":50,)"
                                R"("messages":[{"role":"user","content":"x"}]})",
                                strict));
}

TEST(ServeError, BodyHasOpenAiShape) {
  const ApiError e(404, "invalid_request_error", "The model 'x' does not exist", "model",
                   "model_not_found");
  const auto body = nlohmann::json::parse(e.body());
  EXPECT_EQ(body["error"]["message"], "The model 'x' does not exist");
  EXPECT_EQ(body["error"]["type"], "invalid_request_error");
  EXPECT_EQ(body["error"]["param"], "model");
  EXPECT_EQ(body["error"]["code"], "model_not_found");
  EXPECT_TRUE(nlohmann::json::parse(invalid_request("bad").body())["error"]["param"].is_null());
}

ApiResult sample_result() {
  ApiResult result;
  result.header = {"chatcmpl-7", 1700000000, "tiny"};
  ChoiceResult choice;
  choice.text = "### Reason ###\nLikes caf\xc3\xa9s.\n### Rating ###\n4";
  choice.finish_reason = "stop";
  choice.logprobs =
      std::vector<TokenLogprobInfo>{{"4", -0.25, {{"4", -0.25}, {"5", -1.5}, {"3", -2.75}}}};
  result.choices.push_back(choice);
  result.prompt_tokens = 12;
  result.completion_tokens = 9;
  return result;
}

// The bodies the server writes are read back by our real client's parser.
TEST(ServeResponse, ClientParsesNonStreamedBodies) {
  for (Route route : {Route::Chat, Route::Completion}) {
    const ApiResult result = sample_result();
    const auto parsed = llm::parse_response(
        route == Route::Chat ? llm::Api::Chat : llm::Api::Completion, response_body(route, result));
    EXPECT_EQ(parsed.id, "chatcmpl-7");
    EXPECT_EQ(parsed.text, result.choices[0].text);
    EXPECT_EQ(parsed.finish_reason, "stop");
    EXPECT_EQ(parsed.usage.prompt_tokens, 12);
    EXPECT_EQ(parsed.usage.completion_tokens, 9);
    ASSERT_TRUE(parsed.logprobs.has_value());
    ASSERT_EQ(parsed.logprobs->size(), 1u);
    EXPECT_EQ((*parsed.logprobs)[0].token, "4");
    EXPECT_DOUBLE_EQ((*parsed.logprobs)[0].logprob, -0.25);
    ASSERT_EQ((*parsed.logprobs)[0].top.size(), 3u);
    EXPECT_EQ((*parsed.logprobs)[0].top[1].token, "5");
    EXPECT_DOUBLE_EQ((*parsed.logprobs)[0].top[1].logprob, -1.5);
  }
}

TEST(ServeResponse, ClientReassemblesStreams) {
  for (Route route : {Route::Chat, Route::Completion}) {
    const ResponseHeader header{"cmpl-3", 1700000000, "tiny"};
    std::string stream;
    stream += stream_chunk(route, header, 0, "### Reason", nullptr, std::nullopt, true);
    stream +=
        stream_chunk(route, header, 0, " ###\n\xf0\x9f\x98\x80", nullptr, std::nullopt, false);
    stream += stream_chunk(route, header, 0, "", nullptr, std::string("length"), false);
    stream += stream_usage_chunk(route, header, 5, 3);
    stream += kStreamDone;
    llm::StreamAccumulator accumulator(route == Route::Chat ? llm::Api::Chat
                                                            : llm::Api::Completion);
    // Fed in awkward pieces, as a socket delivers them.
    for (std::size_t at = 0; at < stream.size(); at += 7) accumulator.feed(stream.substr(at, 7));
    ASSERT_TRUE(accumulator.done());
    const auto parsed = accumulator.finish();
    EXPECT_EQ(parsed.text, "### Reason ###\n\xf0\x9f\x98\x80");
    EXPECT_EQ(parsed.finish_reason, "length");
    EXPECT_EQ(parsed.usage.prompt_tokens, 5);
    EXPECT_EQ(parsed.usage.completion_tokens, 3);
  }
}

TEST(ServeResponse, InvalidUtf8IsReplacedNotFatal) {
  ApiResult result = sample_result();
  result.choices[0].text = "partial \xe2\x98";  // a token boundary inside a character
  const auto body = nlohmann::json::parse(response_body(Route::Chat, result));
  EXPECT_EQ(body["choices"][0]["message"]["content"], "partial \xef\xbf\xbd");
}

TEST(ServeResponse, ModelsList) {
  const auto body = nlohmann::json::parse(models_body({"tiny", "other"}, 5));
  EXPECT_EQ(body["object"], "list");
  EXPECT_EQ(body["data"][1]["id"], "other");
  EXPECT_EQ(body["data"][0]["object"], "model");
}

}  // namespace
}  // namespace reasonrec::serve
