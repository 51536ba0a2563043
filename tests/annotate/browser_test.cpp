// The rater page in a real browser (Debian's headless chromium through chromium-driver): keyboard
// answers, reload and resume, revision, the export, hostile text, a screenshot. Fails (never
// skips) when node, chromium or chromium-driver is missing: scripts/setup.sh installs them.

#include <gtest/gtest.h>

#include <sstream>

#include "annotate/app.hpp"
#include "fixture.hpp"
#include "running_server.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::annotate {
namespace {

TEST(AnnotateBrowser, RaterAnswersByKeyboardReloadsRevisesAndExportHoldsExactlyThat) {
  const auto dir = test::scratch_dir();
  const auto files = test::write_study_inputs(dir, 3);
  const auto summary = create_study(test::create_options(files, 10, 2));
  Study study(files.dir / "study.db");
  test::RunningServer server({}, [&](http::Server& s) { add_routes(s, study); });

  const std::string script = std::string(REASONREC_SOURCE_DIR) + "/tests/annotate/browser.mjs";
  const auto run = test::run_program({"/usr/bin/env", "node", script,
                                      "http://127.0.0.1:" + std::to_string(server.port()),
                                      summary.raters[0].token, dir.string(), summary.admin_token});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto result = nlohmann::json::parse(run.out);
  ASSERT_EQ(result["ids"].size(), 3u);
  EXPECT_TRUE(std::filesystem::file_size(dir / "rater.png") > 10000);

  // The export: exactly the three answers, item 1 revised, nothing for anyone else.
  std::map<std::int64_t, nlohmann::json> answered;
  std::istringstream lines(study.export_jsonl());
  std::size_t n = 0;
  for (std::string line; std::getline(lines, line); ++n) {
    const auto j = nlohmann::json::parse(line);
    if (j["revision"] == 0) continue;
    EXPECT_EQ(j["rater"], "r1");
    answered[j["item"]] = j;
  }
  EXPECT_EQ(n, 20u * 2u);
  ASSERT_EQ(answered.size(), 3u);
  const auto& first = answered.at(result["ids"][0]);
  EXPECT_EQ(first["coherence"], 3);
  EXPECT_EQ(first["faithful"], true);
  EXPECT_EQ(first["insightfulness"], 2);
  EXPECT_GE(first["revision"], 2);
  const auto& second = answered.at(result["ids"][1]);
  EXPECT_EQ(second["coherence"], 2);
  EXPECT_EQ(second["faithful"], false);
  EXPECT_EQ(second["fabricated_note"], "made-up price <b>x</b>");
  EXPECT_EQ(second["insightfulness"], 3);
  EXPECT_EQ(second["comment"], "");
  const auto& third = answered.at(result["ids"][2]);
  EXPECT_EQ(third["coherence"], 5);
  EXPECT_EQ(third["faithful"], true);
  EXPECT_EQ(third["insightfulness"], 5);
  EXPECT_EQ(third["comment"], "Good one");
  for (const auto& [id, j] : answered) EXPECT_TRUE(j["complete"].get<bool>());
}

}  // namespace
}  // namespace reasonrec::annotate
