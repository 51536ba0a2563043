#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "llm/backend.hpp"
#include "llm/endpoint_pool.hpp"
#include "llm/retry_policy.hpp"

namespace reasonrec::llm {

struct ClientOptions {
  std::vector<std::string> base_urls;         // normalised with normalize_base_url
  std::string api_key;                        // "Authorization: Bearer ..." when not empty
  std::chrono::milliseconds timeout{120000};  // one attempt, connection included
  std::chrono::milliseconds connect_timeout{10000};
  int concurrency = 16;            // requests in flight over all endpoints
  double requests_per_minute = 0;  // 0: unlimited
  double tokens_per_minute = 0;    // 0: unlimited
  int max_attempts = 6;            // per sample, the first attempt included
  BackoffOptions backoff;
  std::chrono::milliseconds max_retry_after{300000};  // a longer Retry-After is capped
  EndpointPoolOptions endpoints;
  // Every endpoint out of the rotation this long: the waiting samples fail ("no endpoint").
  std::chrono::milliseconds give_up_after{600000};
  bool stream = false;     // server-sent events instead of one JSON body
  std::uint64_t seed = 0;  // of the backoff jitter
  // One line per retried attempt ("retry 2/6 ... HTTP 500 ...; waiting 1.2s"), for logs.
  std::function<void(const std::string&)> on_notice;
};

struct ClientStats {
  std::uint64_t attempts = 0;                   // HTTP requests started
  std::uint64_t retries = 0;                    // attempts after the first, per sample
  std::uint64_t succeeded = 0;                  // samples
  std::uint64_t failed = 0;                     // samples that failed for good
  std::map<std::string, std::uint64_t> faults;  // failed attempts by outcome name
  // Attempts the rate limits (requests_per_minute, tokens_per_minute) held back, and how long
  // they waited in all, from the first refusal to the start.
  std::uint64_t rate_limit_waits = 0;
  double rate_limit_wait_seconds = 0;
  std::vector<EndpointStats> endpoints;
};

// The OpenAI-compatible HTTP client (vLLM, llama.cpp server, Ollama, OpenAI, Gemini's
// OpenAI endpoint, ...): one libcurl multi handle driving up to `concurrency` requests on the
// calling thread, one request per sample (n = 1, seed = sample_seed), with rate limits,
// retries and a fleet of endpoints (docs/llm.md).
class OpenAIClient final : public Backend {
 public:
  explicit OpenAIClient(ClientOptions options);
  ~OpenAIClient() override;
  OpenAIClient(const OpenAIClient&) = delete;
  OpenAIClient& operator=(const OpenAIClient&) = delete;

  void generate(std::span<const GenerationRequest> requests, CompletionSink& sink) override;
  std::string name() const override { return "openai"; }

  // Totals over every generate call so far.
  ClientStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reasonrec::llm
