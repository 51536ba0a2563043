#include "http/request_reader.hpp"

#include <gtest/gtest.h>

namespace reasonrec::http {
namespace {

RequestLimits small_limits() {
  RequestLimits limits;
  limits.max_request_line_bytes = 64;
  limits.max_header_bytes = 256;
  limits.max_body_bytes = 100;
  return limits;
}

// Feeds `bytes` one byte at a time, as the slowest client would; returns the final state.
RequestReader::State feed_bytewise(RequestReader& reader, const std::string& bytes,
                                   std::string& input) {
  RequestReader::State state = RequestReader::State::NeedMore;
  for (char c : bytes) {
    input += c;
    state = reader.feed(input);
    if (state != RequestReader::State::NeedMore) break;
  }
  return state;
}

TEST(RequestReader, ReadsARequestWhateverTheSplit) {
  const std::string bytes =
      "POST /v1/x?y=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\n"
      "Content-Length: 11\r\n\r\nhello world";
  RequestReader reader(small_limits());
  std::string input;
  ASSERT_EQ(feed_bytewise(reader, bytes, input), RequestReader::State::Done);
  const Request request = reader.take();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/v1/x");
  EXPECT_EQ(request.query, "y=1");
  EXPECT_EQ(request.body, "hello world");
  EXPECT_EQ(request.header("content-type").value_or(""), "application/x-www-form-urlencoded");
  EXPECT_TRUE(reader.keep_alive());
}

TEST(RequestReader, LeavesAPipelinedRequestForTheNextRead) {
  std::string input = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\nConnection: close\r\n\r\n";
  RequestReader reader(small_limits());
  ASSERT_EQ(reader.feed(input), RequestReader::State::Done);
  EXPECT_EQ(reader.take().path, "/a");
  reader.reset();
  ASSERT_EQ(reader.feed(input), RequestReader::State::Done);
  EXPECT_EQ(reader.take().path, "/b");
  EXPECT_FALSE(reader.keep_alive());
  EXPECT_TRUE(input.empty());
}

TEST(RequestReader, DecodesChunkedBodies) {
  std::string input =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  RequestReader reader(small_limits());
  ASSERT_EQ(reader.feed(input), RequestReader::State::Done);
  EXPECT_EQ(reader.take().body, "hello world");
}

TEST(RequestReader, ADeclaredBodyOverTheLimitIsRefusedBeforeAnyOfItArrives) {
  std::string input = "POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n";
  RequestReader reader(small_limits());
  ASSERT_EQ(reader.feed(input), RequestReader::State::Failed);
  EXPECT_EQ(reader.error_status(), 413);
}

TEST(RequestReader, AChunkedBodyIsRefusedAsSoonAsItPassesTheLimit) {
  RequestReader reader(small_limits());
  std::string input = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  ASSERT_EQ(reader.feed(input), RequestReader::State::NeedMore);
  for (int i = 0; i < 9; ++i) {
    input += "a\r\n0123456789\r\n";
    ASSERT_EQ(reader.feed(input), RequestReader::State::NeedMore) << i;
  }
  input += "b\r\n0123456789a\r\n";  // 101 bytes in all
  EXPECT_EQ(reader.feed(input), RequestReader::State::Failed);
  EXPECT_EQ(reader.error_status(), 413);
}

TEST(RequestReader, AHeaderSectionOverTheLimitIs431WithoutWaitingForItsEnd) {
  RequestReader reader(small_limits());
  std::string input = "GET / HTTP/1.1\r\n";
  ASSERT_EQ(reader.feed(input), RequestReader::State::NeedMore);
  input += "X-Filler: " + std::string(300, 'a');  // no end of line yet
  ASSERT_EQ(reader.feed(input), RequestReader::State::Failed);
  EXPECT_EQ(reader.error_status(), 431);
}

TEST(RequestReader, ALongRequestLineIs414BeforeItEnds) {
  RequestReader reader(small_limits());
  std::string input = "GET /" + std::string(100, 'a');
  ASSERT_EQ(reader.feed(input), RequestReader::State::Failed);
  EXPECT_EQ(reader.error_status(), 414);
}

TEST(RequestReader, AMalformedRequestLineIs400AsSoonAsItEnds) {
  RequestReader reader(small_limits());
  std::string input = "HELLO\r\n";
  ASSERT_EQ(reader.feed(input), RequestReader::State::Failed);
  EXPECT_EQ(reader.error_status(), 400);
}

TEST(RequestReader, ConflictingOrNegativeContentLengthIs400) {
  for (const char* head :
       {"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n",
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"}) {
    RequestReader reader(small_limits());
    std::string input = head;
    ASSERT_EQ(reader.feed(input), RequestReader::State::Failed) << head;
    EXPECT_EQ(reader.error_status(), 400) << head;
  }
}

TEST(RequestReader, ATransferCodingOtherThanChunkedIsRefused) {
  RequestReader reader(small_limits());
  std::string input =
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n";
  ASSERT_EQ(reader.feed(input), RequestReader::State::Failed);
  EXPECT_EQ(reader.error_status(), 400);
}

TEST(RequestReader, AsksForContinueOnlyWhileTheBodyIsMissing) {
  RequestReader reader(small_limits());
  std::string input = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n";
  ASSERT_EQ(reader.feed(input), RequestReader::State::NeedMore);
  EXPECT_TRUE(reader.wants_continue());
  input += "abc";
  ASSERT_EQ(reader.feed(input), RequestReader::State::Done);
  EXPECT_FALSE(reader.wants_continue());

  RequestReader other(small_limits());
  std::string odd = "POST / HTTP/1.1\r\nExpect: something-else\r\nContent-Length: 3\r\n\r\n";
  ASSERT_EQ(other.feed(odd), RequestReader::State::Failed);
  EXPECT_EQ(other.error_status(), 417);
}

TEST(RequestReader, IgnoresBlankLinesBeforeARequestAndIsIdleUntilABytesArrives) {
  RequestReader reader(small_limits());
  std::string input = "\r\n";
  EXPECT_EQ(reader.feed(input), RequestReader::State::NeedMore);
  EXPECT_FALSE(reader.started());
  input += "GET /x HTTP/1.1\r\n\r\n";
  ASSERT_EQ(reader.feed(input), RequestReader::State::Done);
  EXPECT_TRUE(reader.started());
  EXPECT_EQ(reader.take().path, "/x");
}

}  // namespace
}  // namespace reasonrec::http
