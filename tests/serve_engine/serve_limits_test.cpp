// The work one request may ask of `reasonrec serve` is capped, defaults included, and the HTTP
// layer's answers keep OpenAI's error shape.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "serve_process.hpp"
#include "socket_client.hpp"

namespace reasonrec::test {
namespace {
using json = nlohmann::json;

std::string post(const std::string& path, const json& body) {
  const std::string text = body.dump();
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(text.size()) +
         "\r\n\r\n" + text;
}

struct Answer {
  int status = 0;
  std::string param;
  std::string message;
};

Answer ask(int port, const std::string& request) {
  const auto response = exchange(port, request, std::chrono::milliseconds(30000));
  if (!response) return {};
  Answer answer{response->status, {}, {}};
  const json body = json::parse(response->body, nullptr, false);
  if (body.contains("error")) {
    const json& error = body["error"];
    if (error["param"].is_string()) answer.param = error["param"];
    answer.message = error.value("message", "");
  }
  return answer;
}

using ServeLimits = TinyServeModelTest;

TEST_F(ServeLimits, RequestsAskingForTooMuchWorkAre400NamingTheField) {
  ServeProcess server(model_,
                      {"--max-sequences-per-request", "4", "--max-tokens-per-request", "50"});
  const json base = {{"model", "tiny"}, {"prompt", "Once upon a time"}};

  json too_many = base;
  too_many["n"] = 5;
  const Answer sequences = ask(server.port(), post("/v1/completions", too_many));
  EXPECT_EQ(sequences.status, 400);
  EXPECT_EQ(sequences.param, "n");

  json declared = base;
  declared["n"] = 2;
  declared["max_tokens"] = 26;  // 52 tokens
  const Answer tokens = ask(server.port(), post("/v1/completions", declared));
  EXPECT_EQ(tokens.status, 400);
  EXPECT_EQ(tokens.param, "max_tokens");

  // No max_tokens: the completion default (16) x 4 samples = 64 tokens, over the cap too.
  json by_default = base;
  by_default["n"] = 4;
  const Answer defaults = ask(server.port(), post("/v1/completions", by_default));
  EXPECT_EQ(defaults.status, 400);
  EXPECT_EQ(defaults.param, "max_tokens");
  EXPECT_NE(defaults.message.find("defaults included"), std::string::npos) << defaults.message;

  json within = base;
  within["n"] = 3;  // 48 tokens
  EXPECT_EQ(ask(server.port(), post("/v1/completions", within)).status, 200);
}

TEST_F(ServeLimits, TheHttpLayerAnswersInOpenAiShape) {
  ServeProcess server(model_);
  const auto wrong_method = exchange(server.port(), "GET /v1/completions HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(wrong_method.has_value());
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->header("allow"), "POST");
  EXPECT_TRUE(json::parse(wrong_method->body).contains("error"));

  const auto unknown = exchange(server.port(), "GET /v2/nothing HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json::parse(unknown->body)["error"]["code"], "not_found");

  const auto chunked_too_large = exchange(
      server.port(), "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                         std::string("500000\r\n") + std::string(0x500000, 'x') + "\r\n0\r\n\r\n");
  ASSERT_TRUE(chunked_too_large.has_value());
  EXPECT_EQ(chunked_too_large->status, 413);
  EXPECT_EQ(json::parse(chunked_too_large->body)["error"]["code"], "request_too_large");

  // Served afterwards as before.
  const auto health = exchange(server.port(), "GET /health HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
}

}  // namespace
}  // namespace reasonrec::test
