#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "llm/types.hpp"
#include "util/error.hpp"

namespace reasonrec::llm {

// A response body that is not the JSON the protocol promises (truncated, HTML from a proxy,
// no choices...). Retryable: servers and proxies produce these transiently.
class ProtocolError : public Error {
 public:
  using Error::Error;
};

// The path appended to a base URL: "/chat/completions" or "/completions".
const char* api_path(Api api);

// A base URL as the OpenAI SDKs take it ("http://host:8000/v1"). A URL with no path gets
// "/v1" appended (so "http://host:8000" works too); a trailing '/' is dropped. Throws
// UsageError for anything that is not http:// or https://.
std::string normalize_base_url(std::string_view url);

// The JSON body for one sample of `request` (always n = 1; the seed is sample_seed).
std::string request_body(const GenerationRequest& request, int sample, bool stream);

// What one response carries.
struct ParsedResponse {
  std::string id;
  std::string text;
  std::string finish_reason;
  Usage usage;
  std::optional<std::vector<TokenLogprob>> logprobs;
};

// Reads non-streamed response bodies (simdjson, reusing its buffers from one body to the
// next). Throws ProtocolError naming what is wrong.
class ResponseParser {
 public:
  ResponseParser();
  ~ResponseParser();
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  ParsedResponse parse(Api api, std::string_view body);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One body, with a parser of its own.
ParsedResponse parse_response(Api api, std::string_view body);

// Accumulates a streamed (server-sent events) response, fed in arbitrary pieces.
class StreamAccumulator {
 public:
  explicit StreamAccumulator(Api api) : api_(api) {}

  // Throws ProtocolError on an event that is not valid JSON or carries an error.
  void feed(std::string_view bytes);
  // True once "data: [DONE]" arrived.
  bool done() const { return done_; }
  // The response so far; throws ProtocolError when the stream ended before [DONE].
  ParsedResponse finish() const;

 private:
  void handle_line(std::string_view line);

  Api api_;
  std::string pending_;  // bytes of an incomplete line
  ParsedResponse response_;
  bool done_ = false;
  bool any_event_ = false;
};

}  // namespace reasonrec::llm
