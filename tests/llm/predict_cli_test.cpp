// `reasonrec predict` as a user runs it, against the fault-injecting server: the output of a
// run through every fault class, and of a run killed with SIGKILL again and again, is byte for
// byte the output of an undisturbed run, and no finished sample is ever requested twice.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include "data/example_io.hpp"
#include "eval/prediction.hpp"
#include "fake_openai_server.hpp"
#include "llm/cache.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "test_helpers.hpp"
#include "util/random.hpp"

namespace reasonrec::llm {
namespace {

using test::FakeOpenAIServer;
using test::FakeServerOptions;
using test::Fault;
using test::FaultKind;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Workspace {
  std::filesystem::path dir = test::scratch_dir();
  std::filesystem::path examples = dir / "examples.jsonl";
  std::filesystem::path config = dir / "llm.toml";

  explicit Workspace(std::size_t n_examples = 24) {
    std::ofstream out(examples, std::ios::binary);
    data::write_examples(out, test::synthetic_examples(n_examples));
    std::ofstream cfg(config);
    // Fast retries so that faults cost milliseconds; the endpoint never leaves the rotation
    // (one server: the faults are per request here, not a dead machine).
    cfg << "[backend]\nbackoff_initial_s = 0.005\nbackoff_max_s = 0.05\n"
           "endpoint_failures = 1000\nconnect_timeout_s = 2\n";
  }

  std::vector<std::string> args(const std::string& base_url, const std::string& name,
                                std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {"predict",
                                  "--examples",
                                  examples.string(),
                                  "--out",
                                  (dir / (name + ".jsonl")).string(),
                                  "--cache",
                                  (dir / (name + ".sqlite")).string(),
                                  "--config",
                                  config.string(),
                                  "--base-url",
                                  base_url,
                                  "--model",
                                  "teacher",
                                  "--progress",
                                  "silent"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  std::filesystem::path out(const std::string& name) const { return dir / (name + ".jsonl"); }
  std::filesystem::path cache(const std::string& name) const { return dir / (name + ".sqlite"); }
};

const std::vector<std::string> kSampled = {"--samples",      "2",  "--temperature", "0.7",
                                           "--top-logprobs", "5",  "--seed",        "11",
                                           "--split",        "all"};

TEST(PredictCli, WritesEverySampleWithItsRatingDistribution) {
  Workspace ws(10);
  FakeOpenAIServer server;
  // Three alternatives per token: at the rating, the three likeliest digits.
  const std::vector<std::string> extra = {"--samples",      "2",  "--temperature", "0.7",
                                          "--top-logprobs", "3",  "--seed",        "11",
                                          "--split",        "all"};
  const auto r = test::run_reasonrec(ws.args(server.base_url(), "p", extra));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto predictions = eval::read_predictions(ws.out("p").string());
  ASSERT_EQ(predictions.size(), 20u);
  std::map<std::string, test::ServedRequest> by_text;
  for (const auto& s : server.requests()) by_text[s.text] = s;
  const auto examples = test::synthetic_examples(10);
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    const auto& p = predictions[i];
    EXPECT_EQ(p.example_id, examples[i / 2].id);
    EXPECT_EQ(p.sample, static_cast<int>(i % 2));
    EXPECT_EQ(p.seed, 11u + i % 2);
    EXPECT_EQ(p.mode, "cot");
    EXPECT_EQ(p.model, "teacher");
    EXPECT_EQ(p.backend, "openai");
    EXPECT_EQ(p.true_rating, examples[i / 2].rating);
    ASSERT_TRUE(p.rating.has_value()) << p.parse_status;
    EXPECT_EQ(p.parse_status, "strict");
    EXPECT_NE(p.reasoning.find("The user values"), std::string::npos);
    ASSERT_TRUE(by_text.count(p.raw));
    const auto& served = by_text[p.raw];
    // The server sent the three likeliest digits; P is their probabilities renormalised.
    ASSERT_TRUE(p.probabilities.has_value());
    std::vector<std::pair<double, int>> ranked;
    for (int d = 0; d < 5; ++d) ranked.push_back({served.rating_logprobs[d], d});
    std::sort(ranked.rbegin(), ranked.rend());
    double kept = 0;
    for (int k = 0; k < 3; ++k) kept += std::exp(ranked[k].first);
    double expected_mean = 0;
    for (int k = 0; k < 5; ++k) {
      const int d = ranked[k].second;
      const double want = k < 3 ? std::exp(ranked[k].first) / kept : 0.0;
      EXPECT_NEAR((*p.probabilities)[d], want, 1e-12);
      expected_mean += (d + 1) * want;
    }
    ASSERT_TRUE(p.expected_rating.has_value());
    EXPECT_NEAR(*p.expected_rating, expected_mean, 1e-12);
    EXPECT_GT(p.usage.at("prompt_tokens"), 0);
    EXPECT_GT(p.usage.at("completion_tokens"), 0);
  }
  EXPECT_NE(r.err.find("20 predictions"), std::string::npos) << r.err;
}

TEST(PredictCli, EveryFaultClassGivesTheFaultFreeFile) {
  Workspace ws(24);
  FakeOpenAIServer clean;
  const auto ref = test::run_reasonrec(ws.args(clean.base_url(), "ref", kSampled));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;

  // Each request body is given a fault class on first sight, round robin (so every class
  // occurs), and suffers it on its first one or two attempts; slow answers outlast the 0.4 s
  // timeout.
  const std::vector<Fault> faults = {
      {FaultKind::RateLimit, 429, "", "10", {}},
      {FaultKind::RateLimit, 429, "0.01", "", {}},
      {FaultKind::ServerError, 500, "", "", {}},
      {FaultKind::ServerError, 502, "", "", {}},
      {FaultKind::Slow, 200, "", "", std::chrono::milliseconds(900)},
      {FaultKind::Reset, 0, "", "", {}},
      {FaultKind::TruncatedBody, 0, "", "", {}},
      {FaultKind::TruncatedJson, 0, "", "", {}},
      {FaultKind::WrongContentType, 0, "", "", {}},
      {FaultKind::HangUp, 0, "", "", {}},
  };
  // The script runs on the server's thread only.
  auto plan = std::make_shared<std::map<std::uint64_t, std::pair<std::size_t, int>>>();
  FakeServerOptions so;
  so.faults = [faults, plan](const test::RequestInfo& info) {
    auto it = plan->find(info.body_hash);
    if (it == plan->end()) {
      const std::size_t n = plan->size();
      it = plan->emplace(
                   info.body_hash,
                   std::make_pair(n % faults.size(), 1 + static_cast<int>(n / faults.size() % 2)))
               .first;
    }
    return info.nth < it->second.second ? faults[it->second.first] : Fault{};
  };
  FakeOpenAIServer faulty(so);
  auto extra = kSampled;
  extra.insert(extra.end(), {"--timeout", "0.4", "--concurrency", "8"});
  const auto run = test::run_reasonrec(ws.args(faulty.base_url(), "faulty", extra));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(slurp(ws.out("faulty")), slurp(ws.out("ref")));

  std::set<FaultKind> seen;
  for (const auto& r : faulty.requests()) seen.insert(r.fault);
  EXPECT_EQ(seen.size(), 9u);  // every class (rate-limit forms share a kind) and clean answers
  EXPECT_NE(run.err.find("retries:"), std::string::npos) << run.err;

  // Streaming through the same faults: the same file again.
  FakeOpenAIServer faulty_stream(so);
  extra.push_back("--stream");
  const auto streamed = test::run_reasonrec(ws.args(faulty_stream.base_url(), "stream", extra));
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_EQ(slurp(ws.out("stream")), slurp(ws.out("ref")));
}

// Starts predict in the background.
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<std::string> argv = {test::reasonrec_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  return pid;
}

std::set<std::uint64_t> finished_in_cache(const std::filesystem::path& cache) {
  std::set<std::uint64_t> out;
  if (!std::filesystem::exists(cache)) return out;
  ResponseCache c(cache);
  for (const auto& e : c.entries()) {
    if (!e.completion.ok) continue;
    // The server names each answer "chatcmpl-<hash of the request body>".
    out.insert(std::stoull(e.completion.response_id.substr(e.completion.response_id.find('-') + 1),
                           nullptr, 16));
  }
  return out;
}

TEST(PredictCli, Kill9AtRandomPointsLosesAndDuplicatesNothing) {
  Workspace ws(30);
  const std::size_t total = 30 * 2;
  FakeOpenAIServer clean;
  const auto ref = test::run_reasonrec(ws.args(clean.base_url(), "ref", kSampled));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;

  FakeServerOptions so;
  so.latency = std::chrono::milliseconds(15);
  FakeOpenAIServer server(so);
  auto extra = kSampled;
  extra.insert(extra.end(), {"--concurrency", "4"});
  const auto args = ws.args(server.base_url(), "killed", extra);
  Rng rng(20240601);
  int interrupted = 0;
  for (int round = 0; round < 6; ++round) {
    const auto before = finished_in_cache(ws.cache("killed"));
    if (before.size() == total) break;
    const std::size_t log_start = server.requests().size();
    // Kill once the server has answered a random number of this run's requests, at most half
    // of what is left, so that a run rarely finishes before its kill however fast it goes.
    const std::size_t left = total - before.size();
    const std::size_t target = 1 + rng.below(std::max<std::size_t>(left / 2, 1));
    const pid_t pid = spawn(args, ws.dir / "killed.log");
    ASSERT_GT(pid, 0);
    for (int wait = 0; wait < 10000; ++wait) {  // at most 10 s
      std::size_t answered = 0;
      const auto log = server.requests();
      for (std::size_t i = log_start; i < log.size(); ++i) answered += log[i].answered;
      if (answered >= target) break;
      if (waitpid(pid, nullptr, WNOHANG) == pid) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++interrupted;
    // Nothing the cache held before this run was requested again.
    const auto log = server.requests();
    for (std::size_t i = log_start; i < log.size(); ++i) {
      EXPECT_EQ(before.count(log[i].body_hash), 0u)
          << "round " << round << ": request " << i << " repeats finished work";
    }
    EXPECT_FALSE(std::filesystem::exists(ws.out("killed")) && WIFSIGNALED(status) &&
                 slurp(ws.out("killed")).empty());
  }
  EXPECT_GE(interrupted, 3);

  const auto before = finished_in_cache(ws.cache("killed"));
  const std::size_t log_start = server.requests().size();
  const auto final_run = test::run_reasonrec(args);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  EXPECT_EQ(slurp(ws.out("killed")), slurp(ws.out("ref")));
  const auto log = server.requests();
  for (std::size_t i = log_start; i < log.size(); ++i)
    EXPECT_EQ(before.count(log[i].body_hash), 0u);
  // Every sample was answered, and each was requested again only when a kill cut it short:
  // over all runs, extra answers are bounded by what can be in flight or uncommitted.
  std::map<std::uint64_t, int> answered;
  for (const auto& r : log) answered[r.body_hash] += r.answered;
  EXPECT_EQ(answered.size(), total);
  std::size_t extra_answers = 0;
  for (const auto& [hash, n] : answered) extra_answers += static_cast<std::size_t>(n - 1);
  // (4 in flight, and answers of the last 50 ms not yet committed: about 14 at 15 ms each.)
  EXPECT_LE(extra_answers, static_cast<std::size_t>(interrupted) * (4 + 64));
}

TEST(PredictCli, FailedSamplesAreRecordedAndARerunSendsOnlyThem) {
  Workspace ws(6);
  FakeServerOptions so;
  std::atomic<bool> broken{true};
  std::atomic<std::uint64_t> victim{0};
  so.faults = [&](const test::RequestInfo& info) {
    std::uint64_t expected = 0;
    victim.compare_exchange_strong(expected, info.body_hash);  // the first request seen
    return broken && info.body_hash == victim ? Fault{FaultKind::ServerError, 503, "", "", {}}
                                              : Fault{};
  };
  FakeOpenAIServer server(so);
  const auto args = ws.args(server.base_url(), "p",
                            {"--max-attempts", "2", "--concurrency", "1", "--split", "all"});
  const auto first = test::run_reasonrec(args);
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_NE(first.err.find("1 of 6 samples failed"), std::string::npos) << first.err;
  auto predictions = eval::read_predictions(ws.out("p").string());
  ASSERT_EQ(predictions.size(), 6u);
  int failed = 0;
  for (const auto& p : predictions) {
    if (p.parse_status.rfind("request_failed: ", 0) == 0) {
      ++failed;
      EXPECT_FALSE(p.rating.has_value());
      EXPECT_NE(p.parse_status.find("HTTP 503"), std::string::npos) << p.parse_status;
      EXPECT_NE(p.parse_status.find("after 2 attempts"), std::string::npos) << p.parse_status;
    }
  }
  EXPECT_EQ(failed, 1);
  EXPECT_EQ(server.request_count(), 5u + 2u);

  broken = false;
  const auto second = test::run_reasonrec(args);
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(server.request_count(), 5u + 2u + 1u);  // only the failed sample was sent
  EXPECT_NE(second.err.find("5 from the cache, 1 sent"), std::string::npos) << second.err;
  predictions = eval::read_predictions(ws.out("p").string());
  for (const auto& p : predictions) EXPECT_TRUE(p.rating.has_value()) << p.parse_status;
}

TEST(PredictCli, ModesShapeThePromptAndTheLabel) {
  Workspace ws(12);
  FakeOpenAIServer server;
  std::map<std::string, std::string> bodies;
  for (const auto& [mode, label] :
       std::vector<std::pair<std::string, std::string>>{{"cot", "cot"},
                                                        {"direct", "direct"},
                                                        {"kshot", "one-shot"},
                                                        {"no-review", "no-review"},
                                                        {"no-description", "no-description"}}) {
    const auto r = test::run_reasonrec(
        ws.args(server.base_url(), mode, {"--mode", mode, "--split", "test", "--limit", "2"}));
    ASSERT_EQ(r.exit_code, 0) << mode << ": " << r.err;
    const auto predictions = eval::read_predictions(ws.out(mode).string());
    ASSERT_EQ(predictions.size(), 2u);
    for (const auto& p : predictions) {
      EXPECT_EQ(p.mode, label);
      EXPECT_EQ(p.split, "test");
    }
  }
  // Five modes, two prompts each, all different.
  std::set<std::uint64_t> distinct;
  for (const auto& r : server.requests()) distinct.insert(r.body_hash);
  EXPECT_EQ(distinct.size(), 10u);
}

TEST(PredictCli, PredictsTheTestSplitByDefault) {
  Workspace ws(10);
  FakeOpenAIServer server;
  const auto r = test::run_reasonrec(ws.args(server.base_url(), "d"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto predictions = eval::read_predictions(ws.out("d").string());
  ASSERT_EQ(predictions.size(), 5u);  // the odd examples are the test split
  for (const auto& p : predictions) EXPECT_EQ(p.split, "test");
  EXPECT_EQ(server.request_count(), 5u);
  const auto help = test::run_reasonrec({"predict", "--help"});
  EXPECT_NE(help.out.find("test, train or all"), std::string::npos) << help.out;
}

TEST(PredictCli, CompletionsApi) {
  Workspace ws(4);
  FakeOpenAIServer server;
  const auto r = test::run_reasonrec(
      ws.args(server.base_url(), "c", {"--api", "completions", "--top-logprobs", "5"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const auto& s : server.requests()) EXPECT_EQ(s.path, "/v1/completions");
  for (const auto& p : eval::read_predictions(ws.out("c").string())) {
    EXPECT_TRUE(p.probabilities.has_value());
  }
}

TEST(PredictCli, UsageErrorsAreClear) {
  Workspace ws(2);
  auto r = test::run_reasonrec({"predict", "--examples", ws.examples.string(), "--out",
                                (ws.dir / "x.jsonl").string(), "--model", "m"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--base-url"), std::string::npos) << r.err;

  r = test::run_reasonrec(ws.args("http://127.0.0.1:9", "x", {"--mode", "sideways"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown mode 'sideways'"), std::string::npos) << r.err;

  r = test::run_reasonrec(
      ws.args("http://127.0.0.1:9", "x", {"--api-key-env", "REASONREC_NO_SUCH_KEY"}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("REASONREC_NO_SUCH_KEY"), std::string::npos) << r.err;

  const auto bad = ws.dir / "bad.toml";
  std::ofstream(bad) << "[backend]\nconcurency = 4\n";
  r = test::run_reasonrec({"predict", "--examples", ws.examples.string(), "--out",
                           (ws.dir / "x.jsonl").string(), "--config", bad.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.toml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("backend.concurency"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace reasonrec::llm
