#include <sstream>

#include <gtest/gtest.h>

#include "util/format.hpp"
#include "util/progress.hpp"

namespace reasonrec {
namespace {

TEST(Format, Commas) {
  EXPECT_EQ(with_commas(0), "0");
  EXPECT_EQ(with_commas(999), "999");
  EXPECT_EQ(with_commas(1000), "1,000");
  EXPECT_EQ(with_commas(1234567), "1,234,567");
}

TEST(Format, Duration) {
  EXPECT_EQ(human_duration(4.4), "4s");
  EXPECT_EQ(human_duration(185), "3m05s");
  EXPECT_EQ(human_duration(7380), "2h03m");
}

TEST(Progress, LineShowsCountPercentRateEtaAndFailures) {
  const std::string line = Progress::format_line("prepare", 250, 1000, "reviews", 10.0, 3);
  EXPECT_EQ(line, "prepare 250/1,000 reviews (25.0%) 25.0/s ETA 30s, 3 failed");
}

TEST(Progress, LineWithoutTotalHasNoEta) {
  const std::string line = Progress::format_line("read", 5000, std::nullopt, "lines", 2.0, 0);
  EXPECT_EQ(line, "read 5,000 lines 2500/s");
}

TEST(Progress, BytesAreShownInBinaryUnits) {
  const std::string line = Progress::format_line("fetch", 3u << 20, 12u << 20, "bytes", 2.0, 0);
  EXPECT_EQ(line, "fetch 3.0 MiB/12.0 MiB (25.0%) 1.5 MiB/s ETA 6s");
}

TEST(Progress, SilentWritesNothing) {
  std::ostringstream out;
  {
    Progress p({.label = "x",
                .total = 10,
                .unit = "items",
                .mode = ProgressMode::Silent,
                .interval = std::chrono::milliseconds(10000)},
               out);
    for (int i = 0; i < 10; ++i) p.add();
    EXPECT_EQ(p.done(), 10u);
  }
  EXPECT_TRUE(out.str().empty());
}

TEST(Progress, LinesModePrintsFinalLine) {
  std::ostringstream out;
  {
    Progress p({.label = "work",
                .total = 4,
                .unit = "rows",
                .mode = ProgressMode::Lines,
                .interval = std::chrono::milliseconds(10000)},
               out);
    p.add(4);
  }
  EXPECT_NE(out.str().find("work 4/4 rows (100.0%)"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("done\n"), std::string::npos);
}

TEST(Progress, TerminalModeRedrawsInPlace) {
  std::ostringstream out;
  {
    Progress p({.label = "t",
                .total = std::nullopt,
                .unit = "items",
                .mode = ProgressMode::Terminal,
                .interval = std::chrono::milliseconds(10000)},
               out);
    p.add();
  }
  EXPECT_EQ(out.str().rfind("\r\033[K", 0), 0u) << "terminal lines start with carriage return";
}

TEST(Progress, AutoIsSilentInCi) {
  setenv("CI", "true", 1);
  EXPECT_EQ(resolve_progress_mode(ProgressMode::Auto), ProgressMode::Silent);
  unsetenv("CI");
  EXPECT_NE(resolve_progress_mode(ProgressMode::Auto), ProgressMode::Silent);
  EXPECT_EQ(resolve_progress_mode(ProgressMode::Lines), ProgressMode::Lines);
}

}  // namespace
}  // namespace reasonrec
