// `reasonrec distil` as the user runs it: the real binary (REASONREC_BIN) on files in a scratch
// directory; exit codes as README documents them (0 ok, 1 bad input, 2 usage).
#include <gtest/gtest.h>

#include <sstream>

#include <nlohmann/json.hpp>

#include "distil_fixture.hpp"
#include "prompt/parse_rating.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {
namespace {

class DistilCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir();
    examples_ = distil_examples();
    write_examples_file(dir_ / "examples.jsonl", examples_);
    write_teacher_file(dir_ / "teacher.jsonl", teacher_table(examples_));
  }

  std::vector<std::string> args(const std::string& filter) const {
    return {"distil",
            "--examples",
            (dir_ / "examples.jsonl").string(),
            "--teacher",
            (dir_ / "teacher.jsonl").string(),
            "--out",
            (dir_ / "sft.jsonl").string(),
            "--filter",
            filter};
  }

  std::filesystem::path dir_;
  std::vector<data::Example> examples_;
};

TEST_F(DistilCli, WritesTheRetainedSamplesAndTheSummary) {
  const RunResult r = run_reasonrec(args("5class"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("retained: 3 (filter 5class, target reasoning, mode cot)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("WARNING: class 1 nearly gone: 0 of 2 retained"), std::string::npos)
      << r.out;
  std::istringstream in(read_text(dir_ / "sft.jsonl"));
  std::vector<std::string> ids;
  for (std::string line; std::getline(in, line);) {
    const auto j = nlohmann::json::parse(line);
    ids.push_back(j.at("id").get<std::string>() + std::to_string(j.at("sample").get<int>()));
    EXPECT_EQ(prompt::parse_rating(j.at("target").get<std::string>()).rating,
              j.at("rating").get<int>());
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"A0", "B0", "D1"}));
  const auto summary = nlohmann::json::parse(read_text(dir_ / "sft.summary.json"));
  EXPECT_EQ(summary.at("retained"), 3);
}

TEST_F(DistilCli, VerifiedWithoutVerificationExitsTwo) {
  const RunResult r = run_reasonrec(args("verified"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--verification"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "sft.jsonl"));
}

TEST_F(DistilCli, UnknownExampleExitsOneNamingTheLine) {
  auto table = teacher_table(examples_);
  table[1].example_id = "nobody";
  write_teacher_file(dir_ / "teacher.jsonl", table);
  const RunResult r = run_reasonrec(args("none"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find((dir_ / "teacher.jsonl").string() + ":2:"), std::string::npos) << r.err;
  auto skip = args("none");
  skip.push_back("--skip-missing");
  const RunResult skipped = run_reasonrec(skip);
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_NE(skipped.out.find("skipped: 1 samples"), std::string::npos) << skipped.out;
}

TEST_F(DistilCli, HelpListsTheFilters) {
  const RunResult r = run_reasonrec({"distil", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("1off"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--verification"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace reasonrec::test
