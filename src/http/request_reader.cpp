#include "http/request_reader.hpp"

#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http/wire.hpp"

namespace reasonrec::http {
namespace beast_http = boost::beast::http;

struct RequestReader::Parser {
  beast_http::request_parser<beast_http::string_body> parser;
};

namespace {

// Beast 1.74 has its own string_view.
std::string_view view(boost::beast::string_view text) {
  return {text.data(), text.size()};
}

bool iequals(boost::beast::string_view a, std::string_view b) {
  return boost::beast::iequals(a, boost::beast::string_view(b.data(), b.size()));
}

}  // namespace

RequestReader::RequestReader(RequestLimits limits) : limits_(limits) {
  reset();
}

RequestReader::~RequestReader() = default;

void RequestReader::reset() {
  parser_ = std::make_unique<Parser>();
  auto& p = parser_->parser;
  p.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits_.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
  p.body_limit(limits_.max_body_bytes);
  p.eager(true);
  started_ = false;
  line_checked_ = false;
  header_checked_ = false;
  error_status_ = 0;
  error_message_.clear();
}

RequestReader::State RequestReader::fail(int status, std::string message) {
  error_status_ = status;
  error_message_ = std::move(message);
  return State::Failed;
}

RequestReader::State RequestReader::feed(std::string& input) {
  if (error_status_ != 0) return State::Failed;
  if (!line_checked_) {
    // RFC 9112 section 2.2: empty lines before a request line are ignored.
    std::size_t blank = 0;
    while (blank < input.size() && (input[blank] == '\r' || input[blank] == '\n')) ++blank;
    input.erase(0, blank);
    if (input.empty()) return State::NeedMore;
    started_ = true;
    const auto line_end = input.find('\n');
    if (line_end == std::string::npos) {
      if (input.size() > limits_.max_request_line_bytes) {
        return fail(414, "the request line is longer than " +
                             std::to_string(limits_.max_request_line_bytes) + " bytes");
      }
      return State::NeedMore;
    }
    if (line_end > limits_.max_request_line_bytes) {
      return fail(414, "the request line is longer than " +
                           std::to_string(limits_.max_request_line_bytes) + " bytes");
    }
    if (!valid_request_line(std::string_view(input).substr(0, line_end))) {
      return fail(400, "malformed request line (expected: METHOD TARGET HTTP/1.1)");
    }
    line_checked_ = true;
  }
  auto& p = parser_->parser;
  while (!p.is_done()) {
    boost::beast::error_code ec;
    const std::size_t used = p.put(boost::asio::buffer(input.data(), input.size()), ec);
    input.erase(0, used);
    if (ec == beast_http::error::need_more)
      return header_checked_ || !p.is_header_done() ? State::NeedMore : check_header();
    if (ec == beast_http::error::body_limit) {
      return fail(413, "the request body is larger than " + std::to_string(limits_.max_body_bytes) +
                           " bytes");
    }
    if (ec == beast_http::error::header_limit) {
      return fail(431, "the request's header section is larger than " +
                           std::to_string(limits_.max_header_bytes) + " bytes");
    }
    if (ec == beast_http::error::bad_content_length) {
      return fail(400, "invalid, negative or conflicting Content-Length");
    }
    if (ec == beast_http::error::bad_transfer_encoding) {
      return fail(400, "Transfer-Encoding conflicts with Content-Length or is repeated");
    }
    if (ec) return fail(400, "malformed request: " + ec.message());
    if (p.is_header_done() && !header_checked_) {
      if (check_header() == State::Failed) return State::Failed;
    }
    if (used == 0 && !p.is_done()) return State::NeedMore;
  }
  return State::Done;
}

// What Beast accepts but this server refuses: a transfer coding other than chunked (its body
// length is unknown, and reading it as "no body" would let the body pass as the next request)
// and an expectation other than 100-continue.
RequestReader::State RequestReader::check_header() {
  header_checked_ = true;
  const auto& message = parser_->parser.get();
  const auto coding = message[beast_http::field::transfer_encoding];
  if (!coding.empty() && !parser_->parser.chunked()) {
    return fail(400, "unsupported Transfer-Encoding '" + std::string(view(coding)) +
                         "' (only chunked is accepted)");
  }
  const auto expect = message[beast_http::field::expect];
  if (!expect.empty() && !iequals(expect, "100-continue")) {
    return fail(417, "unsupported Expect '" + std::string(view(expect)) + "'");
  }
  return State::NeedMore;
}

bool RequestReader::wants_continue() const {
  const auto& p = parser_->parser;
  return header_checked_ && !p.is_done() &&
         iequals(p.get()[beast_http::field::expect], "100-continue");
}

bool RequestReader::keep_alive() const {
  return parser_->parser.get().keep_alive();
}

Request RequestReader::take() {
  auto& message = parser_->parser.get();
  Request request;
  request.method = std::string(view(message.method_string()));
  request.target = std::string(view(message.target()));
  const auto question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  for (const auto& field : message) {
    request.headers.push_back(
        {std::string(view(field.name_string())), std::string(view(field.value()))});
  }
  request.body = std::move(message.body());
  return request;
}

}  // namespace reasonrec::http
