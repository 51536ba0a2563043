// The app over the project's HTTP server: pages, authentication, validation, concurrent raters,
// and kill -9 of the serving process.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "annotate/app.hpp"
#include "fixture.hpp"
#include "running_server.hpp"
#include "socket_client.hpp"
#include "support/paths.hpp"

namespace reasonrec::annotate {
namespace {

std::string request(const std::string& method, const std::string& path, const std::string& token,
                    const std::string& body = "", const std::string& type = "application/json") {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (method == "POST") {
    if (!type.empty()) r += "Content-Type: " + type + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  return r + "\r\n" + body;
}

std::string answer_body(std::int64_t item, int rater_index) {
  nlohmann::json j = {
      {"item", item},
      {"coherence", 1 + (item + rater_index) % 5},
      {"faithful", (item + rater_index) % 2 == 0},
      {"insightfulness", 1 + (item * 3 + rater_index) % 5},
      {"comment", "r" + std::to_string(rater_index) + " on " + std::to_string(item)}};
  return j.dump();
}

class AnnotateServer : public ::testing::Test {
 protected:
  void SetUp() override { files_ = test::write_study_inputs(test::scratch_dir(), 10); }
  CreateSummary create(std::size_t samples, std::size_t raters) {
    return create_study(test::create_options(files_, samples, raters));
  }
  test::StudyFiles files_;
};

TEST_F(AnnotateServer, PagesAuthenticationAndValidation) {
  const auto summary = create(10, 2);
  Study study(files_.dir / "study.db");
  test::RunningServer server({}, [&](http::Server& s) { add_routes(s, study); });
  const int port = server.port();
  const auto page = test::exchange(port, request("GET", "/rate", ""));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<h1>Rate the reasoning</h1>"), std::string::npos);
  EXPECT_NE(page->header("content-security-policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page->header("cache-control"), "no-store");
  EXPECT_EQ(test::exchange(port, request("GET", "/annotate.js", ""))->status, 200);
  EXPECT_EQ(test::exchange(port, request("GET", "/admin", ""))->status, 200);

  const std::string r1 = summary.raters[0].token;
  EXPECT_EQ(test::exchange(port, request("GET", "/api/state", ""))->status, 403);
  EXPECT_EQ(test::exchange(port, request("GET", "/api/state", std::string(64, 'a')))->status, 403);
  EXPECT_EQ(test::exchange(port, request("GET", "/api/admin/export", r1))->status, 403);
  EXPECT_EQ(test::exchange(port, request("GET", "/api/admin/progress", r1))->status, 403);
  const auto state = test::exchange(port, request("GET", "/api/state", r1));
  ASSERT_EQ(state->status, 200);
  const auto items = nlohmann::json::parse(state->body)["items"];
  ASSERT_EQ(items.size(), 20u);
  const std::int64_t item = items[0]["id"];

  EXPECT_EQ(test::exchange(port, request("POST", "/api/answer", r1, "{"))->status, 400);
  EXPECT_EQ(test::exchange(port, request("POST", "/api/answer", r1, R"({"item":1,"coherence":9})"))
                ->status,
            400);
  EXPECT_EQ(
      test::exchange(port, request("POST", "/api/answer", r1, answer_body(item, 0), "text/plain"))
          ->status,
      415);
  EXPECT_EQ(
      test::exchange(port, request("POST", "/api/answer", r1, std::string(70000, ' ')))->status,
      413);
  EXPECT_EQ(
      test::exchange(port, request("POST", "/api/answer", r1, answer_body(123456, 0)))->status,
      404);
  EXPECT_EQ(test::exchange(port, request("POST", "/api/answer", "", answer_body(item, 0)))->status,
            403);
  const auto ok = test::exchange(port, request("POST", "/api/answer", r1, answer_body(item, 0)));
  ASSERT_EQ(ok->status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok->body)["revision"], 1);
  EXPECT_EQ(test::exchange(port, request("GET", "/api/state/../../etc/passwd", r1))->status, 404);

  const auto progress =
      test::exchange(port, request("GET", "/api/admin/progress", summary.admin_token));
  ASSERT_EQ(progress->status, 200);
  const auto p = nlohmann::json::parse(progress->body)["raters"];
  EXPECT_EQ(p[0]["complete"], 1);
  EXPECT_EQ(p[1]["complete"], 0);
  const auto exported =
      test::exchange(port, request("GET", "/api/admin/export", summary.admin_token));
  ASSERT_EQ(exported->status, 200);
  EXPECT_EQ(exported->body, study.export_jsonl());
  EXPECT_NE(exported->header("content-disposition").find("judgments.jsonl"), std::string::npos);
}

// 20 raters, 100 items each, all posting at once: 2,000 answers, none lost, none duplicated.
TEST_F(AnnotateServer, TwentyRatersPostTwoThousandAnswersConcurrently) {
  const auto summary = create(50, 20);  // 50 examples x 2 files = 100 items per rater
  Study study(files_.dir / "study.db");
  test::RunningServer server({}, [&](http::Server& s) { add_routes(s, study); });
  std::atomic<int> acknowledged{0}, failed{0};
  std::vector<std::thread> raters;
  for (int r = 0; r < 20; ++r) {
    raters.emplace_back([&, r] {
      const std::string token = summary.raters[static_cast<std::size_t>(r)].token;
      const auto state = test::exchange(server.port(), request("GET", "/api/state", token));
      if (!state || state->status != 200) {
        failed += 100;
        return;
      }
      const auto parsed = nlohmann::json::parse(state->body);
      for (const auto& it : parsed["items"]) {
        const auto reply = test::exchange(
            server.port(), request("POST", "/api/answer", token, answer_body(it["id"], r)));
        (reply && reply->status == 200 ? acknowledged : failed)++;
      }
    });
  }
  for (auto& t : raters) t.join();
  EXPECT_EQ(acknowledged, 2000);
  EXPECT_EQ(failed, 0);
  std::istringstream lines(study.export_jsonl());
  std::set<std::pair<std::int64_t, std::string>> seen;
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const auto j = nlohmann::json::parse(line);
    const std::int64_t item = j["item"];
    const int r = std::stoi(j["rater"].get<std::string>().substr(1)) - 1;
    EXPECT_TRUE(seen.insert({item, j["rater"]}).second);
    EXPECT_EQ(j["revision"], 1);
    const auto expected = nlohmann::json::parse(answer_body(item, r));
    EXPECT_EQ(j["coherence"], expected["coherence"]);
    EXPECT_EQ(j["faithful"], expected["faithful"]);
    EXPECT_EQ(j["insightfulness"], expected["insightfulness"]);
    EXPECT_EQ(j["comment"], expected["comment"]);
  }
  EXPECT_EQ(n, 2000);
  for (const auto& p : study.progress()) EXPECT_EQ(p.complete, 100u);
}

// kill -9 of `reasonrec annotate serve` while raters post: every acknowledged answer is there.
TEST_F(AnnotateServer, KillNineLosesNoAcknowledgedAnswer) {
  const auto summary = create(50, 4);
  const auto db = files_.dir / "study.db";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const std::string bin = test::reasonrec_bin();
  const std::string db_path = db.string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(out[1], 1);
    close(out[0]);
    execl(bin.c_str(), bin.c_str(), "annotate", "serve", "--study", db_path.c_str(), "--port", "0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  // The first line of stdout: "r1\thttp://127.0.0.1:PORT/rate#TOKEN".
  std::string first;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') first += c;
  const auto colon = first.rfind(':');
  ASSERT_NE(colon, std::string::npos) << first;
  const int port = std::stoi(first.substr(colon + 1));

  std::mutex mutex;
  std::map<std::pair<std::int64_t, int>, std::string> acked;  // (item, rater) -> body
  // (item, rater) -> sent after the last acknowledgement, without a reply: stored or not.
  std::map<std::pair<std::int64_t, int>, std::vector<std::string>> unacknowledged;
  std::atomic<int> count{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> raters;
  for (int r = 0; r < 4; ++r) {
    raters.emplace_back([&, r] {
      const std::string token = summary.raters[static_cast<std::size_t>(r)].token;
      const auto state = test::exchange(port, request("GET", "/api/state", token));
      if (!state || state->status != 200) return;
      const auto parsed = nlohmann::json::parse(state->body);
      for (int round = 0; round < 1000 && !stop; ++round) {
        for (const auto& it : parsed["items"]) {
          if (stop) return;
          const std::string body = answer_body(it["id"].get<std::int64_t>() + round, r);
          auto j = nlohmann::json::parse(body);
          j["item"] = it["id"];
          {
            std::lock_guard lock(mutex);
            unacknowledged[{it["id"], r}].push_back(j.dump());
          }
          std::optional<test::RawResponse> reply;
          try {
            reply = test::exchange(port, request("POST", "/api/answer", token, j.dump()));
          } catch (const std::exception&) {
            return;  // the server is gone
          }
          if (!reply || reply->status != 200) continue;
          std::lock_guard lock(mutex);
          unacknowledged.erase({it["id"], r});
          acked[{it["id"], r}] = j.dump();
          ++count;
        }
      }
    });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (count < 600 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  stop = true;
  for (auto& t : raters) t.join();
  close(out[0]);
  ASSERT_TRUE(WIFSIGNALED(status));

  Study study(db);
  std::istringstream lines(study.export_jsonl());
  std::size_t checked = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto j = nlohmann::json::parse(line);
    const int r = std::stoi(j["rater"].get<std::string>().substr(1)) - 1;
    const auto found = acked.find({j["item"], r});
    if (found == acked.end()) continue;
    // The last acknowledged answer, or the one sent after it whose reply the kill cut off.
    const auto same = [&](const std::string& body) {
      const auto expected = nlohmann::json::parse(body);
      return j["comment"] == expected["comment"] && j["coherence"] == expected["coherence"] &&
             j["insightfulness"] == expected["insightfulness"];
    };
    const auto pending = unacknowledged.find({j["item"], r});
    if (same(found->second) ||
        (pending != unacknowledged.end() &&
         std::any_of(pending->second.begin(), pending->second.end(), same))) {
      ++checked;
    } else {
      ADD_FAILURE() << "acknowledged " << found->second << " but stored " << line;
    }
  }
  EXPECT_EQ(checked, acked.size());
  EXPECT_GE(count.load(), 600);
}

}  // namespace
}  // namespace reasonrec::annotate
