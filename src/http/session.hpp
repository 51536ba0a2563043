#pragma once

// One client connection, driven by the I/O thread: read a request within the limits, route it,
// answer it (inline, or from a worker), then wait for the next one or close. Internal to
// src/http.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/request_reader.hpp"
#include "http/server_impl.hpp"

namespace reasonrec::http {

// What a request handled on a worker shares with its session: whether the client is gone, and
// for a streamed response the bytes on their way to the socket (bounded: the writer waits).
struct Exchange {
  std::mutex mutex;
  std::condition_variable drained;
  std::atomic<bool> gone{false};
  std::string pending;       // response bytes not yet handed to the socket
  std::size_t buffered = 0;  // pending + being written
  bool finished = false;     // the last chunk is in pending (or already written)
  bool flush_posted = false;

  void mark_gone();
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Server::Impl& server, boost::asio::ip::tcp::socket socket);
  void start();
  // The server is stopping: close now if no request is in flight, else after its response.
  void on_server_stop();

  // Called by a worker (through the I/O thread) and by the stream writer.
  void send(Response response);
  void flush_stream();

 private:
  void read_next();
  void wait_for_bytes();
  void on_read(const boost::system::error_code& ec, std::size_t bytes);
  void process();
  void dispatch(Request request);
  void hand_to_worker(const Handler& handler, Request request);
  void watch_for_hangup();
  void write(std::string bytes, std::function<void()> then);
  void after_response();
  void close_gracefully();
  void drain();
  void close();
  void arm_timer(std::chrono::steady_clock::time_point deadline, std::function<void()> on_expiry);
  void disarm_timer();

  Server::Impl& server_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;
  RequestReader reader_;
  std::string input_;
  std::array<char, 16384> read_buffer_{};
  std::string remote_address_;
  std::chrono::steady_clock::time_point request_deadline_;
  std::shared_ptr<Exchange> exchange_;  // while a worker handles the request
  bool keep_alive_ = false;
  bool head_only_ = false;
  bool continue_sent_ = false;
  bool writing_ = false;
  bool read_timed_out_ = false;
  bool refused_ = false;  // the reader refused the request: the rest of the stream is unread
  bool closed_ = false;
};

}  // namespace reasonrec::http
