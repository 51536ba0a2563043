// `reasonrec recsaver` as a user runs it, against the fault-injecting OpenAI server of
// tests/llm: references through every fault class and through kill -9 are byte for byte those
// of an undisturbed run; scores equal `score text` on the same pairs; bad input is a clear error.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "data/example_io.hpp"
#include "data/sha256.hpp"
#include "eval/prediction.hpp"
#include "fake_openai_server.hpp"
#include "llm/cache.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "test_helpers.hpp"
#include "util/random.hpp"

namespace reasonrec::recsaver {
namespace {

using nlohmann::json;
using test::FakeOpenAIServer;
using test::FakeServerOptions;
using test::Fault;
using test::FaultKind;

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<json> lines_of(const std::filesystem::path& p) {
  std::vector<json> out;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(json::parse(line));
  }
  return out;
}

struct Workspace {
  std::filesystem::path dir = test::scratch_dir();
  std::filesystem::path examples = dir / "examples.jsonl";
  std::filesystem::path config = dir / "llm.toml";
  std::string n = "3";  // explanations per example

  explicit Workspace(std::size_t n_examples = 12) {
    std::ofstream out(examples, std::ios::binary);
    data::write_examples(out, test::synthetic_examples(n_examples));
    std::ofstream cfg(config);
    cfg << "[backend]\nbackoff_initial_s = 0.005\nbackoff_max_s = 0.05\n"
           "endpoint_failures = 1000\nconnect_timeout_s = 2\n";
  }
  std::filesystem::path path(const std::string& name) const { return dir / name; }

  std::vector<std::string> references(const std::string& base_url, const std::string& name,
                                      std::vector<std::string> extra = {}) const {
    std::vector<std::string> a = {"recsaver",   "references",
                                  "--examples", examples.string(),
                                  "--out",      path(name + ".jsonl").string(),
                                  "--cache",    path(name + ".sqlite").string(),
                                  "--config",   config.string(),
                                  "--base-url", base_url,
                                  "--model",    "teacher",
                                  "--n",        n,
                                  "--seed",     "7",
                                  "--split",    "all",
                                  "--progress", "silent"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST(RecsaverCli, ReferencesRecordEveryExplanationAndItsVerification) {
  Workspace ws(10);
  FakeOpenAIServer server;
  const auto r = test::run_reasonrec(ws.references(server.base_url(), "refs"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(ws.path("refs.jsonl"));
  ASSERT_EQ(lines.size(), 30u);
  const auto examples = test::synthetic_examples(10);
  const std::string hash = data::sha256_file(ws.examples);
  std::size_t kept = 0;
  std::map<std::string, std::size_t> kept_by_example;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json& l = lines[i];
    EXPECT_EQ(l["example_id"], examples[i / 3].id);
    EXPECT_EQ(l["true_rating"], examples[i / 3].rating);
    EXPECT_EQ(l["sample"], i % 3);
    EXPECT_EQ(l["seed"], 7 + i % 3);
    EXPECT_EQ(l["provenance"]["examples_sha256"], hash);
    EXPECT_EQ(l["provenance"]["model"], "teacher");
    EXPECT_EQ(l["provenance"]["backend"], "openai");
    EXPECT_EQ(l["provenance"]["temperature"], 0.8);
    // The fake server's answers: "### Reason ###\nThe user values ...\n### Rating ###\nN".
    EXPECT_EQ(l["explanation"]["text"].get<std::string>().rfind("The user values", 0), 0u);
    EXPECT_EQ(l["scrub"]["text"], l["explanation"]["text"]);  // nothing to scrub
    ASSERT_TRUE(l["verification"].is_object());
    ASSERT_TRUE(l["verification"]["rating"].is_number());
    EXPECT_EQ(l["verification"]["parse_status"], "strict");
    const bool match = l["verification"]["rating"] == l["true_rating"];
    EXPECT_EQ(l["kept"], match);
    EXPECT_EQ(l["status"], match ? "kept" : "rejected");
    kept += match;
    kept_by_example[l["example_id"]] += match;
  }
  // One explanation request per sample and one verification per explanation.
  for (const auto& served : server.requests()) EXPECT_TRUE(served.answered);
  EXPECT_EQ(server.request_count(), 60u);
  const json summary = json::parse(slurp(ws.path("refs.summary.json")));
  EXPECT_EQ(summary["kept"], kept);
  EXPECT_EQ(summary["verified"], 30);
  std::size_t without = 0;
  for (const auto& e : examples) without += kept_by_example[e.id] == 0;
  EXPECT_EQ(summary["examples_without_references"]["count"], without);
  EXPECT_NE(r.out.find("recsaver references: 10 examples, 30 explanations"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("leakage audit (strict rules)"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("verify: 0 from the cache"), std::string::npos) << r.err;

  // A rerun sends nothing and writes the same bytes.
  const std::string before = slurp(ws.path("refs.jsonl"));
  const auto again = test::run_reasonrec(ws.references(server.base_url(), "refs"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(server.request_count(), 60u);
  EXPECT_EQ(slurp(ws.path("refs.jsonl")), before);
  EXPECT_EQ(again.out, r.out);
}

TEST(RecsaverCli, EveryFaultClassGivesTheFaultFreeReferences) {
  Workspace ws(12);
  FakeOpenAIServer clean;
  const auto ref = test::run_reasonrec(ws.references(clean.base_url(), "ref"));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const std::vector<Fault> faults = {
      {FaultKind::RateLimit, 429, "", "10", {}},
      {FaultKind::RateLimit, 429, "0.01", "", {}},
      {FaultKind::ServerError, 500, "", "", {}},
      {FaultKind::ServerError, 503, "", "", {}},
      {FaultKind::Slow, 200, "", "", std::chrono::milliseconds(900)},
      {FaultKind::Reset, 0, "", "", {}},
      {FaultKind::TruncatedBody, 0, "", "", {}},
      {FaultKind::TruncatedJson, 0, "", "", {}},
      {FaultKind::WrongContentType, 0, "", "", {}},
      {FaultKind::HangUp, 0, "", "", {}},
  };
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
  const auto run = test::run_reasonrec(
      ws.references(faulty.base_url(), "faulty", {"--timeout", "0.4", "--concurrency", "8"}));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(slurp(ws.path("faulty.jsonl")), slurp(ws.path("ref.jsonl")));
  EXPECT_EQ(slurp(ws.path("faulty.summary.json")), slurp(ws.path("ref.summary.json")));
  std::set<FaultKind> seen;
  for (const auto& r : faulty.requests()) seen.insert(r.fault);
  EXPECT_EQ(seen.size(), 9u);  // every class (the rate-limit forms share a kind) and answers
}

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

// The request bodies (by hash) whose answers the cache holds.
std::set<std::uint64_t> finished_in_cache(const std::filesystem::path& cache) {
  std::set<std::uint64_t> out;
  if (!std::filesystem::exists(cache)) return out;
  llm::ResponseCache c(cache);
  for (const auto& e : c.entries()) {
    if (!e.completion.ok) continue;
    const std::string& id = e.completion.response_id;
    out.insert(std::stoull(id.substr(id.find('-') + 1), nullptr, 16));
  }
  return out;
}

TEST(RecsaverCli, Kill9AtRandomPointsThenTheSameCommandGivesTheSameBytes) {
  Workspace ws(20);
  const std::size_t total = 20 * 3 * 2;  // explanations and their verifications
  FakeOpenAIServer clean;
  const auto ref = test::run_reasonrec(ws.references(clean.base_url(), "ref"));
  ASSERT_EQ(ref.exit_code, 0) << ref.err;

  FakeServerOptions so;
  so.latency = std::chrono::milliseconds(15);
  FakeOpenAIServer server(so);
  const auto args = ws.references(server.base_url(), "killed", {"--concurrency", "4"});
  Rng rng(42);
  int interrupted = 0;
  for (int round = 0; round < 6; ++round) {
    const auto before = finished_in_cache(ws.path("killed.sqlite"));
    if (before.size() == total) break;
    const std::size_t log_start = server.requests().size();
    const std::size_t left = total - before.size();
    const std::size_t target = 1 + rng.below(std::max<std::size_t>(left / 2, 1));
    const pid_t pid = spawn(args, ws.path("killed.log"));
    ASSERT_GT(pid, 0);
    for (int wait = 0; wait < 10000; ++wait) {
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
    const auto log = server.requests();
    for (std::size_t i = log_start; i < log.size(); ++i) {
      EXPECT_EQ(before.count(log[i].body_hash), 0u)
          << "round " << round << ": request " << i << " repeats finished work";
    }
  }
  EXPECT_GE(interrupted, 3);
  const auto before = finished_in_cache(ws.path("killed.sqlite"));
  const std::size_t log_start = server.requests().size();
  const auto final_run = test::run_reasonrec(args);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
  EXPECT_EQ(slurp(ws.path("killed.jsonl")), slurp(ws.path("ref.jsonl")));
  EXPECT_EQ(slurp(ws.path("killed.summary.json")), slurp(ws.path("ref.summary.json")));
  const auto log = server.requests();
  for (std::size_t i = log_start; i < log.size(); ++i) {
    EXPECT_EQ(before.count(log[i].body_hash), 0u);
  }
}

// references + predictions of the same examples from the fake server.
struct Scored {
  Workspace ws{16};
  FakeOpenAIServer server;
  std::filesystem::path predictions = ws.path("pred.jsonl");

  Scored() {
    ws.n = "4";
    const auto r = test::run_reasonrec(ws.references(server.base_url(), "refs"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    const auto p = test::run_reasonrec(
        {"predict", "--examples", ws.examples.string(), "--out", predictions.string(), "--cache",
         ws.path("pred.sqlite").string(), "--base-url", server.base_url(), "--model", "student",
         "--split", "all", "--progress", "silent"});
    EXPECT_EQ(p.exit_code, 0) << p.err;
  }
  std::vector<std::string> score(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"recsaver",      "score",
                                  "--predictions", predictions.string(),
                                  "--references",  ws.path("refs.jsonl").string(),
                                  "--out",         ws.path(name + ".jsonl").string(),
                                  "--metrics",     "bleu,rouge1,meteor,chrf",
                                  "--progress",    "silent"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

TEST(RecsaverCli, ScoresEqualScoreTextOnTheSamePairs) {
  Scored s;
  const auto r = test::run_reasonrec(s.score("scores", {"--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(json::parse(slurp(s.ws.path("scores.summary.json"))), summary);

  // The same pairs for `score text`: each scored prediction's reasoning and its example's kept
  // references.
  std::map<std::string, std::vector<std::string>> kept;
  std::set<std::string> known;
  for (const auto& l : lines_of(s.ws.path("refs.jsonl"))) {
    known.insert(l["example_id"]);
    if (l["kept"] == true) kept[l["example_id"]].push_back(l["scrub"]["text"]);
  }
  const auto predictions = eval::read_predictions(s.predictions.string());
  const auto rows = lines_of(s.ws.path("scores.jsonl"));
  ASSERT_EQ(rows.size(), predictions.size());
  std::ofstream pairs(s.ws.path("pairs.jsonl"));
  std::vector<const json*> scored;
  std::size_t no_reference = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& p = predictions[i];
    ASSERT_EQ(rows[i]["example_id"], p.example_id);
    if (kept[p.example_id].empty()) {
      EXPECT_EQ(rows[i]["status"], "no_reference");
      EXPECT_TRUE(rows[i]["scores"].is_null());  // counted, never averaged in as zero
      ++no_reference;
      continue;
    }
    EXPECT_EQ(rows[i]["status"], "scored");
    EXPECT_EQ(rows[i]["references"], kept[p.example_id].size());
    EXPECT_EQ(rows[i]["correct"], p.rating == p.true_rating);
    pairs << json{{"id", p.example_id},
                  {"candidate", p.reasoning},
                  {"references", kept[p.example_id]}}
                 .dump()
          << "\n";
    scored.push_back(&rows[i]);
  }
  pairs.close();
  ASSERT_GT(scored.size(), 3u);
  ASSERT_GT(no_reference, 0u);
  EXPECT_EQ(summary["coverage"]["no_reference"]["count"], no_reference);
  EXPECT_EQ(summary["coverage"]["scored"], scored.size());

  const auto text = test::run_reasonrec(
      {"score", "text", "--candidates", s.ws.path("pairs.jsonl").string(), "--metrics",
       "bleu,rouge1,meteor,chrf", "--out-pairs", s.ws.path("text_pairs.jsonl").string(), "--json"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  const auto text_pairs = lines_of(s.ws.path("text_pairs.jsonl"));
  ASSERT_EQ(text_pairs.size(), scored.size());
  for (std::size_t i = 0; i < scored.size(); ++i) {
    for (const char* m : {"bleu", "rouge1", "meteor", "chrf"}) {
      EXPECT_EQ((*scored[i])["scores"][m].get<double>(),
                text_pairs[i]["scores"][m]["score"].get<double>())
          << m << " pair " << i;
    }
  }
  const json text_summary = json::parse(text.out);
  for (const auto& m : text_summary["metrics"]) {
    const std::string label = m["label"];
    EXPECT_EQ(summary["metrics"][label]["corpus"], m["corpus"]["score"]) << label;
    EXPECT_NEAR(summary["metrics"][label]["mean"]["mean"].get<double>(),
                m["sentence_mean"].get<double>(), 1e-12)
        << label;
  }
  // Table 11: correct and incorrect rating predictions split the scored ones.
  for (const auto& [label, m] : summary["metrics"].items()) {
    EXPECT_EQ(m["correct"]["n"].get<std::size_t>() + m["incorrect"]["n"].get<std::size_t>() +
                  m["unparsed"]["n"].get<std::size_t>(),
              scored.size())
        << label;
    const auto& ci = m["mean"]["ci95"];
    ASSERT_TRUE(ci.is_array());
    EXPECT_LE(ci[0].get<double>(), m["mean"]["mean"].get<double>());
    EXPECT_GE(ci[1].get<double>(), m["mean"]["mean"].get<double>());
  }

  // --unverified: every scrubbed explanation is a reference, so every prediction is scored.
  const auto u = test::run_reasonrec(s.score("unverified", {"--unverified", "--json"}));
  ASSERT_EQ(u.exit_code, 0) << u.err;
  const json us = json::parse(u.out);
  EXPECT_EQ(us["references"], "unverified");
  EXPECT_EQ(us["coverage"]["scored"], predictions.size());
  EXPECT_EQ(us["coverage"]["references_per_scored_prediction"], 4.0);
}

TEST(RecsaverCli, VerifyReadsEachPredictionsReasoningBack) {
  Scored s;
  // One prediction without reasoning (a failed request, say): counted, not sent.
  auto predictions = eval::read_predictions(s.predictions.string());
  predictions[1].reasoning.clear();
  eval::write_predictions(s.predictions.string(), predictions);
  const std::size_t sent_before = s.server.request_count();
  const auto r = test::run_reasonrec(
      {"recsaver", "verify", "--examples", s.ws.examples.string(), "--predictions",
       s.predictions.string(), "--out", s.ws.path("verified.jsonl").string(), "--base-url",
       s.server.base_url(), "--model", "teacher", "--progress", "silent"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = lines_of(s.ws.path("verified.jsonl"));
  ASSERT_EQ(rows.size(), predictions.size());
  std::size_t verified = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i]["example_id"], predictions[i].example_id);
    if (i == 1) {
      EXPECT_EQ(rows[i]["status"], "empty_reasoning");
      EXPECT_TRUE(rows[i]["verification"].is_null());
      continue;
    }
    const bool match = rows[i]["verification"]["rating"] == rows[i]["true_rating"];
    EXPECT_EQ(rows[i]["verified"], match);
    EXPECT_EQ(rows[i]["status"], match ? "verified" : "rejected");
    verified += match;
  }
  EXPECT_EQ(s.server.request_count() - sent_before, predictions.size() - 1);
  const json summary = json::parse(slurp(s.ws.path("verified.summary.json")));
  EXPECT_EQ(summary["verified"], verified);
  EXPECT_EQ(summary["empty_reasoning"], 1);
  EXPECT_NE(r.out.find("1 with empty reasoning"), std::string::npos) << r.out;
}

TEST(RecsaverCli, BadInputIsAClearError) {
  Scored s;
  // An examples line without its true rating.
  const auto broken = s.ws.path("broken.jsonl");
  {
    auto lines = lines_of(s.ws.examples);
    lines[1].erase("rating");
    std::ofstream out(broken);
    for (const auto& l : lines) out << l.dump() << "\n";
  }
  auto r = test::run_reasonrec({"recsaver", "references", "--examples", broken.string(), "--out",
                                s.ws.path("x.jsonl").string(), "--base-url", s.server.base_url(),
                                "--model", "m", "--progress", "silent"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("broken.jsonl:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("rating"), std::string::npos) << r.err;

  // Predictions of an example the references do not have.
  auto predictions = eval::read_predictions(s.predictions.string());
  predictions[2].example_id = "nobody";
  const auto stray = s.ws.path("stray.jsonl");
  eval::write_predictions(stray.string(), predictions);
  auto args = s.score("x");
  args[3] = stray.string();
  r = test::run_reasonrec(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stray.jsonl:3: example_id: 'nobody' has no line in the references"),
            std::string::npos)
      << r.err;
  args.push_back("--skip-unknown");
  args.push_back("--json");
  r = test::run_reasonrec(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json summary = json::parse(r.out);
  EXPECT_EQ(summary["coverage"]["unknown_example"]["count"], 1);
  EXPECT_EQ(summary["coverage"]["unknown_example"]["ids"][0], "nobody#0");

  // References made from another examples file.
  const auto other = s.ws.path("other.jsonl");
  {
    std::ofstream out(other, std::ios::binary);
    data::write_examples(out, test::synthetic_examples(3));
  }
  r = test::run_reasonrec(s.score("x", {"--examples", other.string()}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the references belong to another examples file"), std::string::npos)
      << r.err;
  EXPECT_EQ(test::run_reasonrec(s.score("x", {"--examples", s.ws.examples.string()})).exit_code, 0);

  // A references file missing a field, and one mixing two examples files.
  auto refs = lines_of(s.ws.path("refs.jsonl"));
  const auto bad_refs = s.ws.path("bad_refs.jsonl");
  {
    auto copy = refs;
    copy[4]["scrub"].erase("text");
    std::ofstream out(bad_refs);
    for (const auto& l : copy) out << l.dump() << "\n";
  }
  args = s.score("x");
  args[5] = bad_refs.string();
  r = test::run_reasonrec(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad_refs.jsonl:5: field 'scrub.text': missing"), std::string::npos)
      << r.err;
  {
    auto copy = refs;
    copy[6]["provenance"]["examples_sha256"] = std::string(64, '0');
    std::ofstream out(bad_refs);
    for (const auto& l : copy) out << l.dump() << "\n";
  }
  r = test::run_reasonrec(args);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad_refs.jsonl:7: field 'provenance.examples_sha256'"), std::string::npos)
      << r.err;

  // Usage errors exit 2; a missing rule file exits 1 naming it.
  r = test::run_reasonrec(s.ws.references(s.server.base_url(), "y", {"--tolerance", "9"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = test::run_reasonrec(s.score("x", {"--metrics", "bleu,nonsense"}));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = test::run_reasonrec(s.ws.references(s.server.base_url(), "y", {"--scrub", "nope.toml"}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("nope.toml: no such rule file"), std::string::npos) << r.err;
  r = test::run_reasonrec({"recsaver", "rules", "--show", "strict"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("name = \"strict\""), std::string::npos);
}

}  // namespace
}  // namespace reasonrec::recsaver
