#pragma once

// The server's shared state, seen by its sessions. Internal to src/http.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/router.hpp"
#include "http/server.hpp"
#include "http/worker_pool.hpp"

namespace reasonrec::http {

class Session;

struct Server::Impl {
  explicit Impl(ServerOptions o);

  // Everything below is touched on the I/O thread only, except where marked.
  ServerOptions options;  // read-only after construction
  Router router;          // read-only once run() starts (workers read it)
  std::function<std::optional<Response>(const Request&)> guard;
  std::function<Response(int, const std::string&)> make_error;

  boost::asio::io_context io{1};
  boost::asio::ip::tcp::acceptor acceptor{io};
  boost::asio::steady_timer accept_retry{io};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;
  std::unique_ptr<WorkerPool> workers;  // thread-safe
  std::atomic<bool> stopping{false};    // any thread
  int port = 0;

  struct Counters {
    std::atomic<std::uint64_t> connections_open{0};
    std::atomic<std::uint64_t> connections_refused{0};
    std::atomic<std::uint64_t> requests{0};
    std::atomic<std::uint64_t> refused_busy{0};
    std::atomic<std::uint64_t> malformed{0};
  } counters;

  Response error(int status, const std::string& message) const;
  void accept();
  void refuse(boost::asio::ip::tcp::socket socket);
  void shutdown();
  void session_closed(Session* session);
};

}  // namespace reasonrec::http
