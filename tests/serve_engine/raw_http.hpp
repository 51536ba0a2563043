#pragma once

// A minimal HTTP/1.1 client over a plain socket, for what httplib::Client cannot do: read a
// server-sent event stream event by event and hang up in the middle of a response.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::test {

class RawConnection {
 public:
  explicit RawConnection(int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // Sends a POST of a JSON body (Connection: close).
  void post(const std::string& path, const std::string& body);
  // The response status; reads the headers.
  int status();
  // Reads until `count` more server-sent events have arrived or the response ends; returns the
  // JSON of each "data:" event ("[DONE]" becomes the string "[DONE]").
  std::vector<nlohmann::json> read_events(std::size_t count);
  // Every remaining event, up to the end of the response.
  std::vector<nlohmann::json> read_all_events();
  // Hangs up without reading the rest.
  void close();

 private:
  bool fill();        // reads more bytes from the socket; false at end of stream
  bool next_chunk();  // moves one chunk of the chunked body to body_; false at the last
  int fd_ = -1;
  std::string raw_;   // bytes read and not yet parsed
  std::string body_;  // de-chunked body not yet parsed into events
  bool headers_read_ = false;
  bool ended_ = false;
  int status_ = 0;
};

// All events of one streamed request.
std::vector<nlohmann::json> stream_events(int port, const std::string& path,
                                          const std::string& body);

}  // namespace reasonrec::test
