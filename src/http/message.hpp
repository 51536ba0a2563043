#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::http {

struct Header {
  std::string name;
  std::string value;
};

// One request, read whole (the body is bounded by ServerOptions::max_body_bytes).
struct Request {
  std::string method;  // as sent: "GET", "POST"...
  std::string target;  // path and query, as sent
  std::string path;    // the target up to '?'
  std::string query;   // after '?', still percent-encoded
  std::vector<Header> headers;
  std::string body;
  std::string remote_address;

  // The first header of that name (case-insensitive), or nullopt.
  std::optional<std::string_view> header(std::string_view name) const;
};

// Given to a streamed response's writer, which runs on a worker thread.
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;
  // Sends `data` as one chunk of the body. Blocks while the client reads more slowly than the
  // writer writes (a bounded amount is buffered). Returns false once the client is gone; the
  // writer should then stop.
  virtual bool write(std::string_view data) = 0;
  virtual bool client_gone() const = 0;
};

struct Response {
  int status = 200;
  std::string content_type;  // no Content-Type header when empty
  std::string body;
  std::vector<Header> headers;  // extra headers (the server writes the framing ones itself)
  // When set, the body is what this writes, sent with chunked transfer encoding as it is
  // written; `body` is ignored. Runs on a worker thread after the headers have been sent.
  std::function<void(ResponseStream&)> stream;
};

// True once the client that sent the request has closed its connection.
using ClientGone = std::function<bool()>;

// Answers one request. Handlers that may block (generation) run on the worker pool; quick ones
// run on the I/O thread and must not block.
using Handler = std::function<Response(const Request&, const ClientGone&)>;

// The reason phrase of a status code ("Not Found"), or "Unknown".
std::string_view reason_phrase(int status);

}  // namespace reasonrec::http
