#pragma once

#include <atomic>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "http/server.hpp"
#include "serve/api_request.hpp"
#include "serve/completer.hpp"

namespace reasonrec::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless the user asks for more
  int port = 8000;                 // 0: any free port (see Server::port)
  std::string api_key;             // non-empty: "Authorization: Bearer <key>" required
  std::size_t max_body_bytes = 4u << 20;
  int threads = 8;  // completion requests handled at once (more wait in a bounded queue)
  RequestLimits limits;
  // Connections, header sizes, timeouts and the queue of the HTTP layer (docs/serve.md).
  http::ServerOptions http;
};

// OpenAI-compatible HTTP server over a Completer: /v1/models, /v1/completions,
// /v1/chat/completions (streamed or not), /health, /metrics (Prometheus). Errors use OpenAI's
// error shape. A client that disconnects has its generation cancelled. Runs on http::Server:
// slow or idle clients hold a socket each, never a thread.
class Server {
 public:
  Server(Completer& completer, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds; throws Error when the address is taken. Returns the port (useful with port 0).
  int bind();
  int port() const;
  // Completion requests answered so far (status 200, streamed or not).
  std::uint64_t requests_answered() const;
  // Serves until stop(); in-flight requests finish first.
  void run();
  // Thread- and signal-thread-safe: stops accepting, cancels streams whose client is gone and
  // lets the others finish.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SIGINT and SIGTERM, blocked from construction on in the constructing thread and every thread
// it starts afterwards (create it first thing, before a model spawns BLAS threads), so that
// they are received by wait() instead of killing the process mid-response.
class TerminationSignals {
 public:
  TerminationSignals();
  // Blocks until one arrives; returns its number.
  int wait();

 private:
  sigset_t set_;
};

// Runs `server` until a termination signal, then stops it gracefully (in-flight requests
// finish). Returns the signal number.
int run_until_signal(Server& server, TerminationSignals& signals);

}  // namespace reasonrec::serve
