#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "http/message.hpp"

namespace reasonrec::http {

struct RequestLimits {
  std::size_t max_request_line_bytes = 8u << 10;  // longer: 414
  std::size_t max_header_bytes = 32u << 10;       // the whole header section; longer: 431
  std::size_t max_body_bytes = 4u << 20;          // chunked bodies included; larger: 413
};

// Turns the bytes of one connection into requests, one at a time, refusing as early as the
// bytes allow: a bad request line as soon as it ends, a declared body over the limit before any
// of it is read, a chunked body as soon as it passes the limit. No socket: the server feeds it,
// and so do the tests and the fuzzer.
class RequestReader {
 public:
  enum class State { NeedMore, Done, Failed };

  explicit RequestReader(RequestLimits limits);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Parses what it can of `input`, erasing the bytes it used; bytes of a following (pipelined)
  // request stay in `input`. After Done, take() the request and reset() for the next one.
  State feed(std::string& input);

  // Whether any byte of the current request has arrived (before that, the connection is idle).
  bool started() const { return started_; }
  // The header is complete and asks "Expect: 100-continue" for a body not yet received.
  bool wants_continue() const;
  // After Failed: the status to answer (400, 413, 414, 417, 431) and why.
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

  // After Done: the request, and whether the client allows the connection to be reused.
  Request take();
  bool keep_alive() const;

  void reset();

 private:
  State fail(int status, std::string message);
  State check_header();

  struct Parser;
  RequestLimits limits_;
  std::unique_ptr<Parser> parser_;
  bool started_ = false;
  bool line_checked_ = false;
  bool header_checked_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace reasonrec::http
