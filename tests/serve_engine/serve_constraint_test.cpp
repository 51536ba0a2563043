// Output constraints under hostile and careless clients (issue 20): a pattern that would compile
// for minutes is refused within its budget while other constrained requests are served, a
// client that leaves stops its compile, and the compiled constraints kept stay within the cache's
// limits.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "raw_http.hpp"
#include "serve_process.hpp"

namespace reasonrec::test {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using ServeConstraints = TinyServeModelTest;

// 30 bytes whose automaton holds millions of regex positions.
const std::string kHostile = "[ab]*a[ab]{13}(.*){1000}";

// Budgets no compile reaches within a test, but for the clock.
const std::vector<std::string> kOnlyTheClock = {"--constraint-max-mib", "1000000",
                                                "--constraint-max-states", "100000000"};

struct Answer {
  int status = 0;
  json body;
  double seconds = 0.0;
};

Answer complete(int port, const json& extra) {
  json body = {{"model", "tiny"}, {"prompt", "Once upon a time"}, {"temperature", 0.0}};
  body.update(extra);
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120, 0);
  const auto start = Clock::now();
  const auto res = client.Post("/v1/completions", body.dump(), "application/json");
  if (!res) throw std::runtime_error("POST /v1/completions failed");
  Answer out{res->status, json::parse(res->body),
             std::chrono::duration<double>(Clock::now() - start).count()};
  return out;
}

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

// By the default memory budget (without a clock, so that the refusal does not depend on the
// machine's speed and is remembered).
TEST_F(ServeConstraints, AHostilePatternIsRefusedQuicklyByTheDefaultBudget) {
  ServeProcess server(model_, {"--constraint", "reason-rating", "--constraint-timeout-ms", "0"});
  for (int i = 0; i < 2; ++i) {  // the second time, from the refusals remembered
    const Answer a = complete(server.port(), {{"guided_regex", kHostile}, {"max_tokens", 40}});
    ASSERT_EQ(a.status, 400) << a.body;
    const std::string message = a.body.at("error").at("message");
    EXPECT_NE(message.find("too complex"), std::string::npos) << message;
    EXPECT_NE(message.find("--constraint-max-mib"), std::string::npos) << message;  // to raise
    EXPECT_EQ(a.body.at("error").at("param"), "guided_regex");
    EXPECT_LT(a.seconds, 3.0);
  }
  EXPECT_EQ(metrics_of(server.port()).at("reasonrec_constraint_compiles_total"), 1.0);
  // Still serving the server's own constraint.
  const Answer ok = complete(server.port(), {{"max_tokens", 60}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body.at("choices").at(0).at("text").get<std::string>().rfind("### Reason ###", 0),
            0u);
}

TEST_F(ServeConstraints, OtherConstrainedRequestsAreServedWhileASlowCompileRunsOutOfTime) {
  std::vector<std::string> args = {"--constraint", "reason-rating", "--constraint-timeout-ms",
                                   "4000"};
  args.insert(args.end(), kOnlyTheClock.begin(), kOnlyTheClock.end());
  ServeProcess server(model_, args);
  const auto start = Clock::now();
  auto hostile = std::async(std::launch::async, [&] {
    return complete(server.port(), {{"guided_regex", kHostile}, {"max_tokens", 40}});
  });
  std::this_thread::sleep_for(milliseconds(300));  // its compile is under way
  // The server's own constraint (a request naming none), and a new regex, compiled meanwhile.
  const Answer own = complete(server.port(), {{"max_tokens", 60}});
  const Answer fresh = complete(server.port(), {{"guided_regex", "[1-5]!"}, {"max_tokens", 4}});
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_EQ(fresh.body.at("choices").at(0).at("text").get<std::string>().size(), 2u);
  EXPECT_LT(own.seconds, 2.0);
  EXPECT_LT(fresh.seconds, 2.0);
  EXPECT_EQ(hostile.wait_for(std::chrono::seconds(0)), std::future_status::timeout)
      << "the hostile compile ended before the others could be shown not to wait for it";
  const Answer refused = hostile.get();
  ASSERT_EQ(refused.status, 400) << refused.body;
  const std::string message = refused.body.at("error").at("message");
  EXPECT_NE(message.find("over 4000 ms"), std::string::npos) << message;
  EXPECT_NE(message.find("--constraint-timeout-ms"), std::string::npos) << message;
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 10.0);
}

TEST_F(ServeConstraints, AClientThatLeavesStopsItsCompile) {
  std::vector<std::string> args = {"--constraint-timeout-ms", "0"};  // no clock either
  args.insert(args.end(), kOnlyTheClock.begin(), kOnlyTheClock.end());
  ServeProcess server(model_, args);
  {
    RawConnection client(server.port());
    json body = {{"model", "tiny"}, {"prompt", "Hi"}, {"guided_regex", kHostile}};
    client.post("/v1/completions", body.dump());
    std::this_thread::sleep_for(milliseconds(300));
    client.close();
  }
  const auto left = Clock::now();
  ASSERT_TRUE(eventually(
      [&] {
        return metrics_of(server.port()).at("reasonrec_constraint_compiles_cancelled_total") >= 1.0;
      },
      std::chrono::seconds(10)))
      << server.log();
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - left).count(), 3.0);
  // The server serves on, and the same pattern can be asked again (and left again).
  const Answer ok = complete(server.port(), {{"guided_regex", "[1-5]"}, {"max_tokens", 2}});
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(ServeConstraints, KeptConstraintsStayWithinTheCacheLimits) {
  {
    ServeProcess server(model_, {"--constraint", "rating", "--constraint-cache-entries", "2"});
    for (const char* regex : {"a[1-5]", "b[1-5]", "c[1-5]", "d[1-5]", "c[1-5]"}) {
      const Answer a = complete(server.port(), {{"guided_regex", regex}, {"max_tokens", 4}});
      ASSERT_EQ(a.status, 200) << a.body;
    }
    // Unconstrained-by-request requests use the pinned one, which never goes.
    ASSERT_EQ(complete(server.port(), {{"max_tokens", 4}}).status, 200);
    const auto m = metrics_of(server.port());
    EXPECT_EQ(m.at("reasonrec_constraint_cache_entries"), 3.0);  // two and the pinned one
    EXPECT_EQ(m.at("reasonrec_constraint_cache_evictions_total"), 2.0);
    EXPECT_EQ(m.at("reasonrec_constraint_compiles_total"), 4.0);
  }
  {
    // 512 automaton states each (over half a MiB): one fits in 1 MiB, two do not.
    ServeProcess server(model_, {"--constraint", "rating", "--constraint-cache-mib", "1"});
    const double pinned_bytes = metrics_of(server.port()).at("reasonrec_constraint_cache_bytes");
    for (const char* regex : {"x[ab]*a[ab]{8}", "y[ab]*a[ab]{8}", "z[ab]*a[ab]{8}"}) {
      const Answer a = complete(server.port(), {{"guided_regex", regex}, {"max_tokens", 16}});
      ASSERT_EQ(a.status, 200) << a.body;
    }
    const auto m = metrics_of(server.port());
    EXPECT_EQ(m.at("reasonrec_constraint_cache_entries"), 2.0);
    EXPECT_EQ(m.at("reasonrec_constraint_cache_evictions_total"), 2.0);
    EXPECT_LE(m.at("reasonrec_constraint_cache_bytes") - pinned_bytes, 1024.0 * 1024.0);
    EXPECT_GT(m.at("reasonrec_constraint_cache_bytes") - pinned_bytes, 512.0 * 1024.0);
  }
}

}  // namespace
}  // namespace reasonrec::test
