#include <gtest/gtest.h>

#include "support/run.hpp"

namespace reasonrec::test {
namespace {

TEST(Cli, VersionPrintsAndExitsZero) {
  const auto r = run_reasonrec({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("reasonrec ", 0), 0u) << r.out;
}

TEST(Cli, NoSubcommandIsUsageError) {
  const auto r = run_reasonrec({});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(r.err.empty());
}

TEST(Cli, UnknownOptionIsUsageError) {
  const auto r = run_reasonrec(
      {"data", "stats", "--no-such-option", std::string(REASONREC_SOURCE_DIR) + "/README.md"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no-such-option"), std::string::npos) << r.err;
}

TEST(Cli, EverySubcommandHasHelp) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"prepare", "--help"}, {"data", "--help"}, {"data", "stats", "--help"}}) {
    const auto r = run_reasonrec(args);
    EXPECT_EQ(r.exit_code, 0) << args.back();
    EXPECT_NE(r.out.find("Usage"), std::string::npos) << r.out;
  }
}

// README: a missing input file is bad input (exit 1) whichever command is given it, and the
// message names the file; it is not a usage error (2).
TEST(Cli, MissingInputFilesExitOneNamingTheFile) {
  const std::string missing = "/no/such/dir/input.jsonl";
  const std::vector<std::vector<std::string>> commands{
      {"data", "stats", missing},
      {"prepare", "--reviews", missing, "--out", "/tmp/never"},
      {"eval", "--predictions", missing},
      {"baseline", "--examples", missing, "--out", "/tmp/never.jsonl"},
      {"baseline", "--ratings", missing},
      {"score", "text", "--candidates", missing},
      {"prompt", "show", "--examples", missing, "--example", "x"},
      {"convert", "llama2c", "--checkpoint", missing, "--tokenizer", missing, "--out", "/tmp/n"},
      {"predict", "--examples", missing, "--out", "/tmp/never.jsonl", "--base-url",
       "http://127.0.0.1:9", "--model", "m"},
  };
  for (const auto& args : commands) {
    const auto r = run_reasonrec(args);
    EXPECT_EQ(r.exit_code, 1) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(missing + ": no such file"), std::string::npos)
        << args[0] << ": " << r.err;
  }
}

}  // namespace
}  // namespace reasonrec::test
