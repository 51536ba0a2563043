#include "http/wire.hpp"

#include <gtest/gtest.h>

namespace reasonrec::http {
namespace {

TEST(RequestLine, AcceptsWhatHttp11Clients_Send) {
  for (const char* line :
       {"GET / HTTP/1.1", "POST /v1/chat/completions HTTP/1.1\r", "GET /a?b=c&d=%20 HTTP/1.0",
        "OPTIONS * HTTP/1.1", "M-SEARCH /x HTTP/1.1", "GET http://host/x HTTP/1.1"}) {
    EXPECT_TRUE(valid_request_line(line)) << line;
  }
}

TEST(RequestLine, RefusesGarbageAndOtherProtocols) {
  for (const char* line :
       {"", "GET", "GET /", "GET / ", " GET / HTTP/1.1", "GET  / HTTP/1.1", "GET / HTTP/2.0",
        "GET / HTTP/1.1 extra", "GET /a b HTTP/1.1", "G(T / HTTP/1.1", "GET /\x01 HTTP/1.1",
        "GET /\x80 HTTP/1.1", "\x16\x03\x01\x02", "GET / http/1.1", "GET / HTTP/1.1\r\r"}) {
    EXPECT_FALSE(valid_request_line(line)) << line;
  }
}

TEST(ResponseHead, FramesByLengthOrChunksAndSaysWhetherTheConnectionStays) {
  Response r;
  r.status = 404;
  r.content_type = "application/json";
  r.headers.push_back({"Allow", "GET, HEAD"});
  EXPECT_EQ(response_head(r, Framing::Length, 12, true),
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
            "Connection: keep-alive\r\nAllow: GET, HEAD\r\n\r\n");
  r.status = 200;
  r.content_type.clear();
  r.headers.clear();
  EXPECT_EQ(response_head(r, Framing::Chunked, 0, false),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

TEST(ResponseHead, HeaderValuesCannotSplitTheResponse) {
  Response r;
  r.headers.push_back({"X-Name", "a\r\nSet-Cookie: evil=1"});
  const std::string head = response_head(r, Framing::Length, 0, true);
  EXPECT_EQ(head.find("\r\nSet-Cookie"), std::string::npos);
  EXPECT_NE(head.find("X-Name: a  Set-Cookie: evil=1\r\n"), std::string::npos);
}

TEST(Chunk, HexLengthThenDataAndNothingForEmptyData) {
  EXPECT_EQ(chunk("hello"), "5\r\nhello\r\n");
  EXPECT_EQ(chunk(std::string(26, 'x')), "1a\r\n" + std::string(26, 'x') + "\r\n");
  EXPECT_EQ(chunk(""), "");
}

}  // namespace
}  // namespace reasonrec::http
