// `reasonrec train` as the user runs it: the real binary (REASONREC_BIN) in a scratch directory,
// in pieces with --stop-after / --resume, and its usage errors (exit code 2).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "student_fixtures.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> train_args(const fs::path& root) {
  return {"train",
          "--data",
          (root / "sft.jsonl").string(),
          "--model",
          (root / "t5").string(),
          "--out",
          (root / "out").string(),
          "--steps",
          "6",
          "--batch",
          "4",
          "--micro-batch",
          "2",
          "--lr",
          "1e-3",
          "--threads",
          "1",
          "--log-every",
          "2"};
}

// The arguments with one flag's value replaced.
std::vector<std::string> with(std::vector<std::string> args, const std::string& flag,
                              const std::string& value) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) args[i + 1] = value;
  }
  return args;
}

TEST(TrainCli, TrainsInPiecesAndWritesAModelDirectory) {
  const fs::path root = scratch_dir();
  train::fixtures::write_records(root / "sft.jsonl", train::fixtures::eight_records());
  train::fixtures::write_t5_student(root / "t5", 4);
  auto args = train_args(root);
  args.insert(args.end(), {"--stop-after", "2"});
  RunResult r = run_reasonrec(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("paused at step 2 of 6"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("step 2/6"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(root / "out" / "model.safetensors"));

  r = run_reasonrec(train_args(root));  // checkpoints there and no --resume
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--resume"), std::string::npos) << r.err;

  args = train_args(root);
  args.push_back("--resume");
  r = run_reasonrec(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resumed from"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("trained 6 steps on 8 examples"), std::string::npos) << r.out;
  for (const char* name : {"config.json", "model.safetensors", "tokenizer.json", "train_log.jsonl",
                           "train_summary.json"}) {
    EXPECT_TRUE(fs::exists(root / "out" / name)) << name;
  }
  const auto summary = nlohmann::json::parse(read_text(root / "out" / "train_summary.json"));
  EXPECT_EQ(summary.at("steps"), 6);
  EXPECT_EQ(summary.at("resumed_from"), 2);
  EXPECT_EQ(summary.at("architecture"), "t5");
}

TEST(TrainCli, ContradictoryOptionsExitTwoNamingTheFlag) {
  const fs::path root = scratch_dir();
  train::fixtures::write_records(root / "sft.jsonl", train::fixtures::eight_records());
  train::fixtures::write_t5_student(root / "t5", 4);
  RunResult r = run_reasonrec(with(train_args(root), "--batch", "5"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--micro-batch"), std::string::npos) << r.err;
  auto args = train_args(root);
  args.insert(args.end(), {"--schedule", "cosin"});
  r = run_reasonrec(args);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("cosine"), std::string::npos) << r.err;
}

TEST(TrainCli, LoraAdapterGeneratesAsItsMergedModel) {
  const fs::path root = scratch_dir();
  train::fixtures::write_records(root / "sft.jsonl", train::fixtures::eight_records());
  train::fixtures::write_t5_student(root / "t5", 4);
  auto args = with(with(train_args(root), "--lr", "0.05"), "--steps", "3");
  args.insert(args.end(), {"--lora", "4,8,0", "--lora-targets", "q,v,wo"});
  RunResult r = run_reasonrec(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("adapter: "), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(root / "out" / "adapter_model.safetensors"));

  r = run_reasonrec({"merge", "--model", (root / "t5").string(), "--adapter",
                     (root / "out").string(), "--out", (root / "merged").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("merged 21 adapted projections"), std::string::npos) << r.out;
  auto generate = [&](const std::vector<std::string>& model) {
    std::vector<std::string> a = {"generate", "--prompt", "the user likes the product",
                                  "--max-tokens", "12"};
    a.insert(a.end(), model.begin(), model.end());
    return run_reasonrec(a);
  };
  const RunResult adapted =
      generate({"--model", (root / "t5").string(), "--adapter", (root / "out").string()});
  const RunResult merged = generate({"--model", (root / "merged").string()});
  const RunResult base = generate({"--model", (root / "t5").string()});
  ASSERT_EQ(adapted.exit_code, 0) << adapted.err;
  EXPECT_EQ(adapted.out, merged.out);
  EXPECT_NE(adapted.out, base.out);  // three steps at a large rate moved the greedy output

  // An adapter for another base: exit 1 naming the adapter's config.
  fs::copy(root / "t5", root / "other");
  r = run_reasonrec({"merge", "--model", (root / "other").string(), "--adapter",
                     (root / "out").string(), "--out", (root / "bad").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("adapter_config.json"), std::string::npos) << r.err;
}

std::string read_latest(const fs::path& run) {
  std::ifstream in(run / "checkpoints" / "latest");
  std::string name;
  std::getline(in, name);
  return name;
}

// Starts the CLI with these arguments (output to /dev/null), waits until it has written a new
// checkpoint into `run` (so the kill lands mid-training however slow the start is, as under the
// sanitizers), waits `delay` more and kills it with SIGKILL; returns whether it was running.
bool run_and_kill(const std::vector<std::string>& args, const fs::path& run,
                  std::chrono::milliseconds delay) {
  std::vector<std::string> argv = {reasonrec_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> raw;
  for (auto& a : argv) raw.push_back(a.data());
  raw.push_back(nullptr);
  const std::string before = read_latest(run);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(raw[0], raw.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (read_latest(run) == before && std::chrono::steady_clock::now() < deadline &&
         waitpid(pid, nullptr, WNOHANG) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::this_thread::sleep_for(delay);
  const bool running = kill(pid, SIGKILL) == 0;
  int status = 0;
  waitpid(pid, &status, 0);
  return running && WIFSIGNALED(status);
}

TEST(TrainCli, KilledWhileCheckpointingEveryStepItResumesFromAWholeCheckpoint) {
  const fs::path root = scratch_dir();
  train::fixtures::write_records(root / "sft.jsonl", train::fixtures::eight_records());
  train::fixtures::write_t5_student(root / "t5", 4);
  auto args = with(train_args(root), "--steps", "100000");
  args.insert(args.end(), {"--checkpoint-every", "1", "--resume"});
  int killed = 0;
  for (const int ms : {0, 7, 23, 61, 150}) {
    killed += run_and_kill(args, root / "out", std::chrono::milliseconds(ms)) ? 1 : 0;
  }
  EXPECT_EQ(killed, 5);
  std::ifstream latest_file(root / "out" / "checkpoints" / "latest");
  std::string latest;
  std::getline(latest_file, latest);
  ASSERT_EQ(latest.rfind("step-", 0), 0u) << latest;  // killed runs reached a checkpoint
  const long step = std::stol(latest.substr(5));
  // The latest checkpoint loads (weights, optimizer, state) and training goes on from it.
  const RunResult r = run_reasonrec(
      with(with(args, "--steps", std::to_string(step + 2)), "--checkpoint-every", "0"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("resumed from"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(root / "out" / "model.safetensors"));
}

}  // namespace
}  // namespace reasonrec::test
