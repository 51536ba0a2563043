#pragma once

// A raw HTTP/1.1 client for testing the server's edges: send any bytes, at any pace, and read
// what comes back with a deadline.

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace reasonrec::test {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked

  // The header's value, or "" when absent.
  std::string header(const std::string& lower_case_name) const {
    const auto found = headers.find(lower_case_name);
    return found == headers.end() ? std::string() : found->second;
  }
};

class SocketClient {
 public:
  explicit SocketClient(int port);
  ~SocketClient();
  SocketClient(const SocketClient&) = delete;
  SocketClient& operator=(const SocketClient&) = delete;

  // False once the server has closed or reset the connection.
  bool send(const std::string& bytes);
  // One response, or nullopt when the connection ends or `timeout` passes first.
  std::optional<RawResponse> read_response(
      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));
  // Whether the server closes the connection within `timeout` (bytes before that are dropped).
  bool closed_within(std::chrono::milliseconds timeout);
  void close();
  int fd() const { return fd_; }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);
  int fd_ = -1;
  std::string input_;
};

// Sends one request on a fresh connection and reads the response.
std::optional<RawResponse> exchange(
    int port, const std::string& request,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(5000));

}  // namespace reasonrec::test
