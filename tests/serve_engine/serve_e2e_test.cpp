// `reasonrec serve` over a tiny random-weight model, driven by `reasonrec predict` (our
// OpenAI client) and by raw HTTP: constrained output always parses, streamed equals
// non-streamed, malformed requests get OpenAI-shaped errors and the server keeps serving.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "data/example_io.hpp"
#include "prompt/parse_rating.hpp"
#include "serve_process.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "test_helpers.hpp"

namespace reasonrec::test {
namespace {

using json = nlohmann::json;

using ServeEndToEnd = TinyServeModelTest;

std::vector<json> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

TEST_F(ServeEndToEnd, PredictThroughServeAlwaysParsesWithTheConstraint) {
  ServeProcess server(model_, {"--constraint", "reason-rating"});
  const auto examples = dir_ / "examples.jsonl";
  {
    std::ofstream out(examples, std::ios::binary);
    data::write_examples(out, synthetic_examples(8));
  }
  for (const char* stream : {"--no-stream", "--stream"}) {
    const auto out = dir_ / (std::string("predictions") + stream + ".jsonl");
    const auto r = run_reasonrec({"predict",
                                  "--examples",
                                  examples.string(),
                                  "--out",
                                  out.string(),
                                  "--cache",
                                  (dir_ / (std::string(stream) + ".sqlite")).string(),
                                  "--base-url",
                                  server.base_url(),
                                  "--model",
                                  "tiny",
                                  "--mode",
                                  "cot",
                                  "--split",
                                  "all",
                                  "--samples",
                                  "2",
                                  "--temperature",
                                  "1.0",
                                  "--seed",
                                  "5",
                                  "--max-tokens",
                                  "60",
                                  "--progress",
                                  "silent",
                                  stream});
    ASSERT_EQ(r.exit_code, 0) << r.err << server.log();
    const auto predictions = read_lines(out);
    ASSERT_EQ(predictions.size(), 16u);
    for (const json& p : predictions) {
      const std::string text = p.at("raw").get<std::string>();
      const auto parsed = prompt::parse_rating(text);
      ASSERT_TRUE(parsed.rating.has_value()) << text;
      EXPECT_EQ(parsed.source, prompt::RatingSource::Strict) << text;
    }
  }
  // Streaming changes nothing: same seeds, same text.
  const auto plain = read_lines(dir_ / "predictions--no-stream.jsonl");
  const auto streamed = read_lines(dir_ / "predictions--stream.jsonl");
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(plain[i].at("raw"), streamed[i].at("raw"));
  }
  EXPECT_EQ(server.terminate(), 0);
}

TEST_F(ServeEndToEnd, MalformedRequestsGetOpenAiErrorsAndServingGoesOn) {
  ServeProcess server(model_, {"--max-body-mib", "1"});
  httplib::Client client("127.0.0.1", server.port());
  auto expect_error = [&](const std::string& path, const std::string& body, int status,
                          const std::string& param) {
    const auto res = client.Post(path.c_str(), body, "application/json");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, status) << body.substr(0, 80);
    const json error = json::parse(res->body).at("error");
    EXPECT_TRUE(error.at("message").is_string());
    EXPECT_TRUE(error.at("type").is_string());
    if (!param.empty()) {
      EXPECT_EQ(error.at("param"), param) << res->body;
    }
  };
  expect_error("/v1/chat/completions", "{not json", 400, "");
  expect_error("/v1/chat/completions", R"({"model":"tiny","messages":"hi"})", 400, "messages");
  expect_error("/v1/chat/completions",
               R"({"model":"other","messages":[{"role":"user","content":"hi"}]})", 404, "model");
  expect_error("/v1/completions", R"({"model":"tiny","prompt":"x","temperature":"warm"})", 400,
               "temperature");
  expect_error("/v1/completions", R"({"model":"tiny","prompt":"x","guided_regex":"(ab"})", 400,
               "guided_regex");
  expect_error("/v1/completions", std::string(2u << 20, ' '), 413, "");
  expect_error("/v1/nowhere", "{}", 404, "");
  // Still serving, and a seeded request is reproducible.
  const std::string body =
      R"({"model":"tiny","prompt":"Once upon a time","max_tokens":12,"temperature":0.9,"seed":3,"n":2})";
  const auto first = client.Post("/v1/completions", body, "application/json");
  const auto second = client.Post("/v1/completions", body, "application/json");
  ASSERT_TRUE(first && second);
  ASSERT_EQ(first->status, 200) << first->body;
  const json a = json::parse(first->body);
  const json b = json::parse(second->body);
  ASSERT_EQ(a.at("choices").size(), 2u);
  EXPECT_EQ(a.at("choices"), b.at("choices"));
  EXPECT_EQ(a.at("object"), "text_completion");
  EXPECT_GT(a.at("usage").at("prompt_tokens").get<int>(), 0);
  const auto models = client.Get("/v1/models");
  ASSERT_TRUE(models);
  EXPECT_EQ(json::parse(models->body).at("data").at(0).at("id"), "tiny");
}

// A client that sends no max_tokens still gets the constrained format: the completions default
// (16 tokens) cannot hold a reason and a rating, so a constrained request without a budget gets
// room for it; an explicit budget too small is refused naming max_tokens.
TEST_F(ServeEndToEnd, ConstrainedRequestsWithoutMaxTokensGetRoomForTheConstraint) {
  ServeProcess server(model_, {"--constraint", "reason-rating"});
  httplib::Client client("127.0.0.1", server.port());
  const auto plain = client.Post("/v1/completions",
                                 R"({"model":"tiny","prompt":"Rate it.","temperature":0,"seed":1})",
                                 "application/json");
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200) << plain->body << server.log();
  const std::string text = json::parse(plain->body).at("choices").at(0).at("text");
  const auto parsed = prompt::parse_rating(text);
  EXPECT_TRUE(parsed.rating.has_value()) << text;
  EXPECT_EQ(parsed.source, prompt::RatingSource::Strict) << text;
  const auto small =
      client.Post("/v1/completions", R"({"model":"tiny","prompt":"Rate it.","max_tokens":5})",
                  "application/json");
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 400) << small->body;
  EXPECT_EQ(json::parse(small->body).at("error").at("param"), "max_tokens") << small->body;
  EXPECT_EQ(server.terminate(), 0);
}

TEST_F(ServeEndToEnd, BearerTokenIsRequiredWhenConfigured) {
  ServeProcess server(model_, {"--api-key-env", "SERVE_TEST_KEY"}, {"SERVE_TEST_KEY=s3cret"});
  httplib::Client client("127.0.0.1", server.port());
  const std::string body = R"({"model":"tiny","prompt":"Once","max_tokens":2})";
  const auto denied = client.Post("/v1/completions", body, "application/json");
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);
  EXPECT_EQ(json::parse(denied->body).at("error").at("code"), "invalid_api_key");
  httplib::Headers headers = {{"Authorization", "Bearer s3cret"}};
  const auto allowed = client.Post("/v1/completions", headers, body, "application/json");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200) << allowed->body;
}

TEST_F(ServeEndToEnd, SigtermFinishesTheRequestInFlight) {
  ServeProcess server(model_);
  std::optional<httplib::Result> result;
  std::thread request([&] {
    httplib::Client client("127.0.0.1", server.port());
    client.set_read_timeout(120, 0);
    result.emplace(client.Post(
        "/v1/completions",
        R"({"model":"tiny","prompt":"Once upon a time","max_tokens":400,"temperature":0,"ignore_eos":true})",
        "application/json"));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const int status = server.terminate();
  request.join();
  EXPECT_EQ(status, 0) << server.log();
  ASSERT_TRUE(result.has_value() && *result) << "the in-flight request was dropped";
  EXPECT_EQ((*result)->status, 200);
  EXPECT_NE(server.log().find("SIGTERM received"), std::string::npos) << server.log();
}

}  // namespace
}  // namespace reasonrec::test
