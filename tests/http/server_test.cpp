#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include <sys/socket.h>
#include <vector>

#include "running_server.hpp"
#include "socket_client.hpp"

namespace reasonrec::http {
namespace {
using namespace std::chrono_literals;
using test::exchange;
using test::RunningServer;
using test::SocketClient;

// What the handlers of the test server saw.
struct Observed {
  std::atomic<bool> release{false};   // lets /wait return
  std::atomic<bool> saw_gone{false};  // /wait or /flood noticed its client leave
  std::atomic<int> waiting{0};        // /wait handlers running
  std::atomic<std::size_t> flooded{0};
  std::atomic<bool> flood_done{false};
};

void add_routes(Server& server, Observed& seen) {
  server.route("GET", "/health", [](const Request&, const ClientGone&) {
    Response r;
    r.content_type = "text/plain";
    r.body = "ok";
    return r;
  });
  server.route(
      "POST", "/echo",
      [](const Request& request, const ClientGone&) {
        Response r;
        r.body = std::to_string(request.body.size()) + " " +
                 std::string(request.header("Content-Type").value_or("-"));
        return r;
      },
      Dispatch::Worker);
  server.route(
      "POST", "/wait",
      [&seen](const Request&, const ClientGone& gone) {
        ++seen.waiting;
        const auto until = std::chrono::steady_clock::now() + 20s;
        while (!seen.release && std::chrono::steady_clock::now() < until) {
          if (gone()) {
            seen.saw_gone = true;
            break;
          }
          std::this_thread::sleep_for(5ms);
        }
        --seen.waiting;
        Response r;
        r.body = "done";
        return r;
      },
      Dispatch::Worker);
  server.route(
      "POST", "/stream",
      [](const Request& request, const ClientGone&) {
        Response r;
        r.content_type = "text/event-stream";
        const int count = std::stoi(request.body);
        r.stream = [count](ResponseStream& out) {
          for (int i = 0; i < count; ++i) {
            if (!out.write("piece " + std::to_string(i) + "\n")) return;
          }
        };
        return r;
      },
      Dispatch::Worker);
  server.route(
      "POST", "/flood",
      [&seen](const Request&, const ClientGone&) {
        Response r;
        r.stream = [&seen](ResponseStream& out) {
          const std::string block(64 << 10, 'x');
          while (seen.flooded < (512u << 20) && out.write(block)) seen.flooded += block.size();
          if (out.client_gone()) seen.saw_gone = true;
          seen.flood_done = true;
        };
        return r;
      },
      Dispatch::Worker);
}

ServerOptions quick_options() {
  ServerOptions o;
  o.limits.max_body_bytes = 1u << 20;
  o.limits.max_header_bytes = 16u << 10;
  o.limits.max_request_line_bytes = 4u << 10;
  o.request_timeout = 2000ms;
  o.idle_timeout = 2000ms;
  return o;
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds within = 5000ms) {
  const auto until = std::chrono::steady_clock::now() + within;
  while (std::chrono::steady_clock::now() < until) {
    if (predicate()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return predicate();
}

const std::string kHealth = "GET /health HTTP/1.1\r\nHost: t\r\n\r\n";

std::string post(const std::string& path, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: t\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

class HttpServer : public ::testing::Test {
 protected:
  Observed seen_;
  std::unique_ptr<RunningServer> server_;
  void start(ServerOptions options = quick_options()) {
    server_ = std::make_unique<RunningServer>(options, [this](Server& s) { add_routes(s, seen_); });
  }
  void TearDown() override {
    seen_.release = true;
    server_.reset();
  }
  int port() const { return server_->port(); }
};

TEST_F(HttpServer, AnswersWithin1sWhile200SlowClientsAnd24IdleOnesAreOpen) {
  ServerOptions options = quick_options();
  options.request_timeout = 60'000ms;  // the slow clients stay for the whole test
  options.idle_timeout = 60'000ms;
  start(options);
  std::vector<std::unique_ptr<SocketClient>> idle;
  for (int i = 0; i < 24; ++i) {
    idle.push_back(std::make_unique<SocketClient>(port()));
    ASSERT_TRUE(idle.back()->send(kHealth));
    ASSERT_TRUE(idle.back()->read_response().has_value());  // now idle, kept alive
  }
  std::vector<std::unique_ptr<SocketClient>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<SocketClient>(port()));
    ASSERT_TRUE(slow.back()->send("POST /echo HTTP/1.1\r\n"));
  }
  for (int round = 0; round < 3; ++round) {
    for (auto& client : slow) ASSERT_TRUE(client->send("X"));  // one header byte each
    const auto health = exchange(port(), kHealth, 1000ms);
    ASSERT_TRUE(health.has_value()) << "round " << round;
    EXPECT_EQ(health->status, 200);
    const auto echo = exchange(port(), post("/echo", "{}"), 1000ms);
    ASSERT_TRUE(echo.has_value()) << "round " << round;
    EXPECT_EQ(echo->body, "2 -");
    std::this_thread::sleep_for(300ms);
  }
  EXPECT_GE(server_->server().stats().connections_open, 224u);
}

TEST_F(HttpServer, AChunkedUploadOverTheLimitIsRefusedWhileItIsStillBeingSent) {
  start();
  SocketClient client(port());
  ASSERT_TRUE(client.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"));
  const std::string piece = "10000\r\n" + std::string(0x10000, 'a') + "\r\n";
  std::size_t sent = 0;
  while (sent < (100u << 20) && client.send(piece)) {
    sent += piece.size();
    if (sent > (2u << 20)) break;  // past the 1 MiB limit: the answer must be there
  }
  const auto response = client.read_response(2000ms);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->header("connection"), "close");
}

TEST_F(HttpServer, HugeHeadersAre431BeforeTheHeaderEnds) {
  start();
  SocketClient client(port());
  ASSERT_TRUE(client.send("GET /health HTTP/1.1\r\n"));
  std::size_t sent = 0;
  while (sent < (4u << 20)) {
    const std::string line =
        "X-Filler-" + std::to_string(sent) + ": " + std::string(4000, 'h') + "\r\n";
    if (!client.send(line)) break;
    sent += line.size();
    if (sent > (64u << 10)) break;
  }
  const auto response = client.read_response(2000ms);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
}

TEST_F(HttpServer, LongTargetsAndMalformedLinesAreAnsweredAtOnce) {
  start();
  const auto too_long = exchange(port(), "GET /" + std::string(8000, 'a'), 1000ms);
  ASSERT_TRUE(too_long.has_value());
  EXPECT_EQ(too_long->status, 414);
  const auto garbage = exchange(port(), "GARBAGE\r\n", 1000ms);
  ASSERT_TRUE(garbage.has_value());
  EXPECT_EQ(garbage->status, 400);
  const auto tls =
      exchange(port(), std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\n", 10), 1000ms);
  ASSERT_TRUE(tls.has_value());
  EXPECT_EQ(tls->status, 400);
}

TEST_F(HttpServer, ConflictingAndNegativeContentLengthsAre400) {
  start();
  const auto twice =
      exchange(port(), "POST /echo HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(twice->status, 400);
  const auto negative = exchange(port(), "POST /echo HTTP/1.1\r\nContent-Length: -5\r\n\r\n");
  ASSERT_TRUE(negative.has_value());
  EXPECT_EQ(negative->status, 400);
  const auto declared_too_large =
      exchange(port(), "POST /echo HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n");
  ASSERT_TRUE(declared_too_large.has_value());
  EXPECT_EQ(declared_too_large->status, 413);
}

TEST_F(HttpServer, AFormContentTypeDoesNotChangeTheBodyLimit) {
  start();
  const std::string body(100'000, 'f');
  const auto response =
      exchange(port(), post("/echo", body, "Content-Type: application/x-www-form-urlencoded\r\n"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "100000 application/x-www-form-urlencoded");
}

TEST_F(HttpServer, RoutesAnswer404And405WithAllowAndHeadWithoutABody) {
  start();
  const auto missing = exchange(port(), "GET /nowhere HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  const auto wrong_method = exchange(port(), post("/health", ""));
  ASSERT_TRUE(wrong_method.has_value());
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->header("allow"), "GET, HEAD");
  const auto get_of_post = exchange(port(), "GET /echo HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(get_of_post.has_value());
  EXPECT_EQ(get_of_post->status, 405);
  EXPECT_EQ(get_of_post->header("allow"), "POST");

  SocketClient client(port());
  ASSERT_TRUE(client.send("HEAD /health HTTP/1.1\r\n\r\n" + kHealth));
  // The HEAD response declares the GET body's length but carries none: the next response
  // follows at once.
  const auto head = client.read_response();
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->header("content-length"), "2");
  const auto after = client.read_response();
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->body, "ok");
}

TEST_F(HttpServer, ExpectContinueGetsTheInterimResponseBeforeTheBodyIsSent) {
  start();
  SocketClient client(port());
  ASSERT_TRUE(
      client.send("POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  char buffer[64] = {};
  const auto n = ::recv(client.fd(), buffer, sizeof buffer - 1, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(n)), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.send("hello"));
  const auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "5 -");
}

TEST_F(HttpServer, SlowRequestsGet408AndIdleConnectionsAreClosed) {
  ServerOptions options = quick_options();
  options.request_timeout = 300ms;
  options.idle_timeout = 300ms;
  start(options);
  SocketClient slow(port());
  ASSERT_TRUE(slow.send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"));
  const auto response = slow.read_response(2000ms);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 408);
  SocketClient idle(port());
  EXPECT_TRUE(idle.closed_within(2000ms));
}

TEST_F(HttpServer, KeepsConnectionsAliveAndAnswersPipelinedRequestsInOrder) {
  start();
  SocketClient client(port());
  ASSERT_TRUE(client.send(post("/echo", "a") + post("/echo", "bb") + kHealth));
  for (const char* expected : {"1 -", "2 -", "ok"}) {
    const auto response = client.read_response();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->body, expected);
    EXPECT_EQ(response->header("connection"), "keep-alive");
  }
}

TEST_F(HttpServer, ConnectionsOverTheLimitGet503) {
  ServerOptions options = quick_options();
  options.max_connections = 4;
  start(options);
  std::vector<std::unique_ptr<SocketClient>> open;
  for (int i = 0; i < 4; ++i) {
    open.push_back(std::make_unique<SocketClient>(port()));
    ASSERT_TRUE(open.back()->send(kHealth));
    ASSERT_TRUE(open.back()->read_response().has_value());
  }
  const auto refused = exchange(port(), kHealth);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->header("retry-after"), "1");
  open.pop_back();
  EXPECT_TRUE(eventually([&] {
    const auto ok = exchange(port(), kHealth);
    return ok && ok->status == 200;
  }));
}

TEST_F(HttpServer, AFullWorkerQueueAnswers503AndQuickRoutesStillAnswer) {
  ServerOptions options = quick_options();
  options.worker_threads = 1;
  options.max_queued = 1;
  start(options);
  SocketClient running(port()), queued(port());
  ASSERT_TRUE(running.send(post("/wait", "")));
  ASSERT_TRUE(eventually([&] { return seen_.waiting == 1; }));
  ASSERT_TRUE(queued.send(post("/wait", "")));
  std::this_thread::sleep_for(100ms);
  const auto busy = exchange(port(), post("/wait", ""));
  ASSERT_TRUE(busy.has_value());
  EXPECT_EQ(busy->status, 503);
  const auto health = exchange(port(), kHealth, 1000ms);
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  seen_.release = true;
  EXPECT_EQ(running.read_response()->body, "done");
  EXPECT_EQ(queued.read_response()->body, "done");
  EXPECT_EQ(server_->server().stats().requests_refused_busy, 1u);
}

TEST_F(HttpServer, AHandlerSeesItsClientLeave) {
  start();
  {
    SocketClient client(port());
    ASSERT_TRUE(client.send(post("/wait", "")));
    ASSERT_TRUE(eventually([&] { return seen_.waiting == 1; }));
  }  // hangs up
  EXPECT_TRUE(eventually([&] { return seen_.saw_gone.load(); }, 3000ms));
}

TEST_F(HttpServer, StreamsChunksInOrder) {
  start();
  const auto response = exchange(port(), post("/stream", "200"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->header("transfer-encoding"), "chunked");
  std::string expected;
  for (int i = 0; i < 200; ++i) expected += "piece " + std::to_string(i) + "\n";
  EXPECT_EQ(response->body, expected);
}

TEST_F(HttpServer, AReaderThatStopsReadingHoldsBackTheWriterAndReleasesItByLeaving) {
  start();
  {
    SocketClient client(port());
    ASSERT_TRUE(client.send(post("/flood", "")));
    std::this_thread::sleep_for(1000ms);
    // What the writer got rid of: the 1 MiB stream buffer plus what the kernel's socket
    // buffers hold, nowhere near the 512 MiB it would write to a reader.
    EXPECT_LT(seen_.flooded.load(), 64u << 20);
    EXPECT_FALSE(seen_.flood_done.load());
  }
  EXPECT_TRUE(eventually([&] { return seen_.flood_done.load(); }, 5000ms));
  EXPECT_TRUE(seen_.saw_gone.load());
}

TEST_F(HttpServer, StopLetsTheRequestInFlightFinishAndClosesIdleConnections) {
  start();
  SocketClient idle(port());
  ASSERT_TRUE(idle.send(kHealth));
  ASSERT_TRUE(idle.read_response().has_value());
  SocketClient busy(port());
  ASSERT_TRUE(busy.send(post("/wait", "")));
  ASSERT_TRUE(eventually([&] { return seen_.waiting == 1; }));
  std::thread stopper([&] { server_->stop(); });
  EXPECT_TRUE(idle.closed_within(2000ms));
  seen_.release = true;
  const auto response = busy.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "done");
  EXPECT_EQ(response->header("connection"), "close");
  stopper.join();
  EXPECT_THROW(SocketClient{port()}, std::runtime_error);  // no longer listening
}

}  // namespace
}  // namespace reasonrec::http
