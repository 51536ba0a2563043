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
  const auto r = run_reasonrec({"data", "stats", "--no-such-option", std::string(REASONREC_SOURCE_DIR) + "/README.md"});
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

}  // namespace
}  // namespace reasonrec::test
