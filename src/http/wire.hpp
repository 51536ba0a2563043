#pragma once

// The bytes of HTTP/1.1 that the server writes itself, and the one check it makes before the
// parser sees a request: both pure functions, fuzzed and unit-tested without sockets.

#include <cstddef>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace reasonrec::http {

// Whether `line` (without its line ending) is an HTTP/1.x request line: a method token, one
// space, a target of visible ASCII, one space, "HTTP/1.0" or "HTTP/1.1". Checked as soon as the
// line has arrived, so that garbage is answered at once instead of after the header timeout.
bool valid_request_line(std::string_view line);

// How the body of a response is framed.
enum class Framing { Length, Chunked };

// Status line and headers, blank line included. `body_bytes` is the Content-Length under
// Framing::Length (also for HEAD, which sends no body). CR and LF in extra headers are
// replaced by spaces: a handler's header value cannot split the response.
std::string response_head(const Response& response, Framing framing, std::size_t body_bytes,
                          bool keep_alive);

// One chunk of a chunked body ("1a\r\n" data "\r\n"); empty data gives nothing (the empty chunk
// ends the body: that is kLastChunk).
std::string chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// The interim response to "Expect: 100-continue".
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace reasonrec::http
