#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::test {

// Misbehaviour the server can show on one request.
enum class FaultKind {
  None,
  RateLimit,         // 429 with Retry-After and/or retry-after-ms
  ServerError,       // `status` (500, 502, 503) with a JSON error body
  Slow,              // the normal answer, after `delay` (beyond the client's timeout)
  Reset,             // the request is read, then the connection is reset (RST)
  TruncatedBody,     // Content-Length of the whole answer, half of it sent, connection closed
  TruncatedJson,     // a complete HTTP 200 whose JSON body is cut short
  WrongContentType,  // 200 text/html with a proxy's HTML error page
  HangUp,            // the connection is closed without any answer
};

const char* fault_name(FaultKind kind);

struct Fault {
  FaultKind kind = FaultKind::None;
  int status = 500;
  std::string retry_after;     // RateLimit: the Retry-After header, "" for none
  std::string retry_after_ms;  // RateLimit: the retry-after-ms header, "" for none
  std::chrono::milliseconds delay{0};
};

// What a fault script knows about a request.
struct RequestInfo {
  std::uint64_t body_hash = 0;  // FNV-1a of the body: a resent request has the same hash
  int nth = 0;                  // earlier requests with the same body
  std::size_t index = 0;        // over every request the server saw
  std::string path;
};
using FaultScript = std::function<Fault(const RequestInfo&)>;

// One request as the server handled it.
struct ServedRequest {
  std::uint64_t body_hash = 0;
  std::string path;
  std::string authorization;  // the Authorization header as sent, "" when absent
  FaultKind fault = FaultKind::None;
  bool answered = false;  // a complete successful answer was written to the socket
  std::string text;       // the answer's text (answers, not faults)
  std::array<double, 5> rating_logprobs{};  // log P(1..5) the answer's logprobs carry
};

struct FakeServerOptions {
  std::chrono::milliseconds latency{0};  // before every normal answer
  FaultScript faults;                    // none: every request is answered normally
  // Non-empty: every POST gets this body verbatim, the request unread (the benchmark's
  // "answers instantly" server).
  std::string canned_response;
  bool record = true;  // keep the request log
};

// FNV-1a, 64 bits.
std::uint64_t fnv1a(std::string_view bytes);

// The answer the server writes for a request body (the parsed JSON of a /chat/completions or
// /completions request): deterministic in the model, the messages or prompt and the seed, so
// a fault-free run and a run through every fault must produce the same predictions.
struct FakeAnswer {
  std::vector<std::string> tokens;          // the text, token by token
  int rating = 0;                           // the digit the text ends with
  std::size_t rating_token = 0;             // index of that digit in tokens
  std::array<double, 5> rating_logprobs{};  // what top_logprobs says at the rating token
  std::uint64_t prompt_tokens = 0;
};
FakeAnswer fake_answer(const nlohmann::json& request);

// An OpenAI-protocol server on 127.0.0.1 and an ephemeral port: a single epoll thread with
// real sockets, keep-alive, scripted faults and a log of what it served.
class FakeOpenAIServer {
 public:
  explicit FakeOpenAIServer(FakeServerOptions options = {});
  ~FakeOpenAIServer();
  FakeOpenAIServer(const FakeOpenAIServer&) = delete;
  FakeOpenAIServer& operator=(const FakeOpenAIServer&) = delete;

  std::string base_url() const;  // "http://127.0.0.1:PORT/v1"
  int port() const { return port_; }
  // Closes the listener and every connection: the endpoint is dead from now on.
  void stop();

  void set_faults(FaultScript script);
  void set_latency(std::chrono::milliseconds latency);
  std::vector<ServedRequest> requests() const;
  std::size_t request_count() const;

 private:
  struct Loop;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace reasonrec::test
