// Two minutes of mixed traffic against a real `reasonrec serve`: good clients (plain, streamed,
// constrained) beside hostile ones (garbage, oversized headers and bodies, numbers beyond double
// range, regexes over the limits, conflicting lengths, hang-ups mid-request and mid-generation)
// and slow ones dribbling header bytes. No good request may fail, and the server's memory must
// come back to within 10% of where it stood after warming up.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve_process.hpp"
#include "socket_client.hpp"

namespace reasonrec::test {
namespace {
using namespace std::chrono_literals;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

std::size_t resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6));
  }
  return 0;
}

std::string post(const std::string& path, const std::string& body) {
  return "POST " + path +
         " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string good_body(int i, bool stream, bool constrained) {
  json body = {{"model", "tiny"},
               {"prompt", "Once upon a time " + std::to_string(i % 7)},
               {"max_tokens", 8},
               {"seed", i},
               {"stream", stream}};
  if (constrained) {
    body["guided_regex"] = "[1-5]";
    body["max_tokens"] = 4;
  }
  return body.dump();
}

// The hostile requests, as raw bytes; none may take the server down or leak.
std::vector<std::string> hostile_requests() {
  const std::string too_many_headers = [] {
    std::string head = "GET /health HTTP/1.1\r\n";
    for (int i = 0; i < 2000; ++i)
      head += "X-" + std::to_string(i) + ": " + std::string(64, 'h') + "\r\n";
    return head + "\r\n";
  }();
  return {
      "GARBAGE\r\n\r\n",
      "GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n",
      too_many_headers,
      "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
          std::string("100000\r\n") + std::string(0x100000, 'x') + "\r\n" +
          std::string("100000\r\n") + std::string(0x100000, 'x') + "\r\n" +
          std::string("100000\r\n") + std::string(0x100000, 'x') + "\r\n" +
          std::string("100000\r\n") + std::string(0x100000, 'x') + "\r\n" +
          std::string("100000\r\n") + std::string(0x100000, 'x') + "\r\n0\r\n\r\n",
      post("/v1/completions", R"({"model":"tiny","prompt":"a","temperature":1e400})"),
      post("/v1/completions", R"({"model":"tiny","prompt":"a","guided_regex":")" +
                                  std::string(5000, '(') + "a" + std::string(5000, ')') + "\"}"),
      post(
          "/v1/completions",
          R"({"model":"tiny","prompt":"a","max_tokens":64,"guided_regex":"[ab]*a[ab]{13}(.*){1000}"})"),
      "POST /v1/completions HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde",
      "POST /v1/completions HTTP/1.1\r\nContent-Length: -3\r\n\r\n",
      "GET /v1/completions HTTP/1.1\r\n\r\n",
      post("/v1/completions", R"({"model":"tiny","prompt":["a","b"],"n":64,"max_tokens":100000})"),
      post("/v1/chat/completions",
           R"({"model":"tiny","messages":[{"role":"system","content":"x"}]})"),
  };
}

TEST_F(TinyServeModelTest, TwoMinutesOfMixedTrafficLoseNoGoodRequestAndNoMemory) {
  const char* seconds_env = std::getenv("REASONREC_SOAK_SECONDS");
  const auto soak = std::chrono::seconds(seconds_env ? std::atoi(seconds_env) : 120);
  ServeProcess server(model_, {"--threads", "8", "--max-batch", "8"});
  const int port = server.port();

  std::atomic<int> good_ok{0}, good_failed{0}, hostile_sent{0};
  std::atomic<bool> running{true};
  std::vector<std::string> failures;
  std::mutex failures_mutex;
  auto note_failure = [&](const std::string& what) {
    ++good_failed;
    std::lock_guard lock(failures_mutex);
    if (failures.size() < 10) failures.push_back(what);
  };
  auto good_client = [&](int id, bool stream, bool constrained, bool until_stopped, int rounds) {
    for (int i = 0; until_stopped ? running.load() : i < rounds; ++i) {
      try {
        SocketClient client(port);
        const int seed = id * 100000 + i;
        if (!client.send(post("/v1/completions", good_body(seed, stream, constrained)))) {
          note_failure("send failed");
          continue;
        }
        const auto response = client.read_response(30s);
        if (!response || response->status != 200) {
          note_failure("status " + std::to_string(response ? response->status : 0) + ": " +
                       (response ? response->body.substr(0, 200) : std::string("no answer")));
        } else if (stream ? response->body.find("data: [DONE]") == std::string::npos
                          : response->body.find("\"choices\"") == std::string::npos) {
          note_failure("incomplete body: " + response->body.substr(0, 200));
        } else {
          ++good_ok;
        }
      } catch (const std::exception& e) {
        note_failure(e.what());
      }
    }
  };
  auto hostile_client = [&](unsigned seed, bool until_stopped, int rounds) {
    std::mt19937 random(seed);
    const auto requests = hostile_requests();
    for (int i = 0; until_stopped ? running.load() : i < rounds; ++i) {
      try {
        SocketClient client(port);
        const std::string& bytes = requests[random() % requests.size()];
        switch (random() % 3) {
          case 0:  // send it all and read the answer
            client.send(bytes);
            client.read_response(5s);
            break;
          case 1:  // hang up halfway through the request
            client.send(bytes.substr(0, bytes.size() / 2));
            break;
          default:  // ask for a long generation, then hang up before it ends
            client.send(post("/v1/completions",
                             R"({"model":"tiny","prompt":"x","max_tokens":200,"stream":true})"));
            std::this_thread::sleep_for(std::chrono::milliseconds(random() % 200));
            break;
        }
        ++hostile_sent;
      } catch (const std::exception&) {
      }
    }
  };

  // Warm up with every kind of traffic, so that the allocator's arenas and the caches are sized
  // before the baseline is taken.
  {
    std::vector<std::thread> warm;
    for (int c = 0; c < 4; ++c) warm.emplace_back(good_client, c, c % 2 == 1, c == 2, false, 5);
    warm.emplace_back(hostile_client, 1u, false, 30);
    for (auto& t : warm) t.join();
  }
  std::this_thread::sleep_for(2s);
  const std::size_t baseline = resident_kib(server.pid());
  ASSERT_GT(baseline, 0u);

  std::vector<std::thread> threads;
  for (int c = 0; c < 4; ++c)
    threads.emplace_back(good_client, 10 + c, c % 2 == 1, c == 2, true, 0);
  for (unsigned h = 0; h < 3; ++h) threads.emplace_back(hostile_client, 100 + h, true, 0);
  std::vector<std::unique_ptr<SocketClient>> slow;
  for (int s = 0; s < 100; ++s) {
    slow.push_back(std::make_unique<SocketClient>(port));
    slow.back()->send("POST /v1/completions HTTP/1.1\r\n");
  }
  const auto end = Clock::now() + soak;
  std::size_t peak = baseline;
  while (Clock::now() < end) {
    std::this_thread::sleep_for(2s);
    for (auto& client : slow) client->send("X");  // a header byte now and then
    peak = std::max(peak, resident_kib(server.pid()));
  }
  running = false;
  for (auto& t : threads) t.join();
  slow.clear();
  std::this_thread::sleep_for(3s);
  const std::size_t after = resident_kib(server.pid());

  std::cout << "soak: " << good_ok.load() << " good requests answered, " << hostile_sent.load()
            << " hostile ones sent; resident memory " << baseline << " KiB after warm-up, peak "
            << peak << " KiB, " << after << " KiB after\n";
  for (const auto& f : failures) ADD_FAILURE() << "good request failed: " << f;
  EXPECT_EQ(good_failed.load(), 0);
  EXPECT_GT(good_ok.load(), 20);
  EXPECT_GT(hostile_sent.load(), 20);
  EXPECT_LE(after, baseline + baseline / 10)
      << "resident memory: " << baseline << " KiB after warm-up, peak " << peak << " KiB, " << after
      << " KiB after the soak";
  EXPECT_EQ(server.terminate(), 0) << server.log();
}

}  // namespace
}  // namespace reasonrec::test
