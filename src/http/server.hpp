#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/message.hpp"
#include "http/request_reader.hpp"
#include "http/router.hpp"

namespace reasonrec::http {

struct ServerOptions {
  std::string host = "127.0.0.1";     // loopback unless the user asks for more
  int port = 8000;                    // 0: any free port (see Server::port)
  std::size_t worker_threads = 8;     // Dispatch::Worker requests handled at once
  std::size_t max_queued = 256;       // waiting for a worker; beyond this: 503
  std::size_t max_connections = 512;  // open at once; beyond this: 503 and close
  RequestLimits limits;
  // A request must arrive whole within this time of its first byte (slow senders get 408).
  std::chrono::milliseconds request_timeout{20'000};
  // A kept-alive connection may wait this long for its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // A response write that makes no progress for this long drops the client.
  std::chrono::milliseconds write_timeout{30'000};
  // Bytes of a streamed body buffered for a slow reader before its writer blocks.
  std::size_t stream_buffer_bytes = 1u << 20;
};

struct ServerStats {
  std::uint64_t connections_open = 0;
  std::uint64_t connections_refused = 0;    // over max_connections
  std::uint64_t requests = 0;               // requests read whole and routed
  std::uint64_t requests_refused_busy = 0;  // the worker queue was full
  std::uint64_t requests_malformed = 0;     // answered 4xx by the reader itself
};

// An event-driven HTTP/1.1 server: one I/O thread multiplexes every connection with Boost.Asio
// (so slow or idle clients cost a socket and a timer, not a thread), Boost.Beast parses the
// requests within hard limits, and a bounded worker pool runs the handlers that may block.
class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();  // stops, then waits for in-flight requests
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Routes must be added before run().
  void route(std::string method, std::string path, Handler handler,
             Dispatch dispatch = Dispatch::Inline);
  // Runs on the I/O thread before routing; a response returned is sent instead (authentication).
  void set_guard(std::function<std::optional<Response>(const Request&)> guard);
  // Shapes the body of the errors the server answers itself (404, 405, 408, 413, 431, 503...).
  void set_error_response(std::function<Response(int status, const std::string& message)> make);

  // Binds and listens; throws Error when the address is taken. Returns the port (useful with 0).
  int bind();
  int port() const;
  // Serves until stop(): then stops accepting, closes idle connections, lets requests in
  // flight finish and returns.
  void run();
  // Thread-safe; may be called before, during or after run().
  void stop();
  ServerStats stats() const;

 private:
  friend class Session;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reasonrec::http
