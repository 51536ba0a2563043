#pragma once

// An http::Server on a free loopback port, serving on its own thread for one test.

#include <atomic>
#include <chrono>
#include <thread>

#include "http/server.hpp"

namespace reasonrec::test {

class RunningServer {
 public:
  // `setup` adds the routes before the server starts.
  template <typename Setup>
  RunningServer(http::ServerOptions options, Setup setup) : server_(with_any_port(options)) {
    setup(server_);
    port_ = server_.bind();
    thread_ = std::thread([this] { server_.run(); });
  }
  ~RunningServer() { stop(); }

  int port() const { return port_; }
  http::Server& server() { return server_; }
  // Stops and waits for run() to return.
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  static http::ServerOptions with_any_port(http::ServerOptions options) {
    options.host = "127.0.0.1";
    options.port = 0;
    return options;
  }
  http::Server server_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace reasonrec::test
