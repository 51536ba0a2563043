// `reasonrec report`: a self-contained HTML file and report.md from a run directory, with the
// parts a run lacks named with the stage that produces them, and untrusted text escaped.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec {
namespace {

using nlohmann::json;
using test::run_reasonrec;
using test::scratch_dir;

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportCli, EmptyRunNamesEveryStage) {
  const auto d = scratch_dir();
  const auto r = run_reasonrec({"report", "--run", d.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = read(d / "report.html");
  const std::string md = read(d / "report.md");
  for (const char* stage : {"reasonrec predict", "reasonrec train", "recsaver references",
                            "recsaver score", "reasonrec align"}) {
    EXPECT_NE(html.find(stage), std::string::npos) << stage;
    EXPECT_NE(md.find(stage), std::string::npos) << stage;
  }
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(run_reasonrec({"report", "--run", (d / "nope").string()}).exit_code, 1);
}

TEST(ReportCli, FullRun) {
  const auto d = scratch_dir();
  {
    std::ofstream p(d / "cot.jsonl");
    std::ofstream s(d / "cot.recsaver.jsonl");
    for (int i = 0; i < 60; ++i) {
      const int truth = 1 + i % 5;
      const int rating = 1 + (i * 7) % 5;
      json probs = json::array();
      for (int k = 1; k <= 5; ++k) probs.push_back(k == rating ? 0.6 : 0.1);
      p << json{{"example_id", "e" + std::to_string(i)},
                {"split", "test"},
                {"mode", "cot"},
                {"model", "<script>alert(1)</script>"},
                {"backend", "openai"},
                {"sample", 0},
                {"true_rating", truth},
                {"rating", rating},
                {"parse_status", "strict"},
                {"reasoning", "r"},
                {"raw", "x"},
                {"probabilities", probs}}
               .dump()
        << "\n";
      s << json{{"example_id", "e" + std::to_string(i)},
                {"sample", 0},
                {"rating", rating},
                {"true_rating", truth},
                {"correct", rating == truth},
                {"status", "verified"},
                {"references", 2},
                {"scores", {{"bleu", 10.0 + i % 13}, {"rouge1", 0.3 + 0.01 * (i % 7)}}}}
               .dump()
        << "\n";
    }
  }
  std::ofstream(d / "refs.summary.json") << json{
      {"examples", 60},
      {"explanations", 240},
      {"verified", 230},
      {"kept", 150},
      {"pass_rate", 150.0 / 230.0}}.dump();
  {
    std::ofstream j(d / "judgments.jsonl");
    for (int i = 0; i < 60; ++i) {
      for (int r = 0; r < 3; ++r) {
        j << json{{"item", i},
                  {"example_id", "e" + std::to_string(i)},
                  {"rater", "r" + std::to_string(r)},
                  {"coherence", 1 + (i + r) % 5},
                  {"faithful", (i + r) % 3 != 0},
                  {"insightfulness", 1 + (i * r) % 5}}
                 .dump()
          << "\n";
      }
    }
  }
  const auto a = run_reasonrec({"align", "--judgments", (d / "judgments.jsonl").string(),
                                "--scores", (d / "cot.recsaver.jsonl").string(), "--bootstrap",
                                "50", "--out", (d / "align.json").string()});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  const auto r = run_reasonrec(
      {"report", "--run", d.string(), "--bootstrap", "100", "--out", (d / "out.html").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string html = read(d / "out.html");
  const std::string md = read(d / "report.md");
  EXPECT_EQ(html.find("<script"), std::string::npos) << "untrusted text must be escaped";
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(md.find("<script"), std::string::npos);
  EXPECT_NE(md.find("cot (&lt;script&gt;"), std::string::npos);
  for (const char* heading :
       {"Rating prediction (Table 3)", "Rec-SAVER", "Alignment with human raters"}) {
    EXPECT_NE(html.find(std::string("<h2>") + heading), std::string::npos) << heading;
    EXPECT_NE(md.find(std::string("## ") + heading), std::string::npos) << heading;
  }
  EXPECT_EQ(count(html, "class=\"plot confusion\""), 1u);
  EXPECT_GE(count(html, "class=\"cell\""), 25u);
  EXPECT_GE(count(html, "class=\"plot bars\""), 3u);  // ratings + two score distributions
  EXPECT_NE(html.find("Calibration: cot.jsonl"), std::string::npos);
  EXPECT_GE(count(html, "class=\"plot scatter\""), 3u);  // calibration + metric vs human
  EXPECT_NE(html.find("<h3>Agreement among raters</h3>\n<table>"), std::string::npos);
  EXPECT_NE(html.find("<td>insightfulness</td>"), std::string::npos);
  EXPECT_NE(md.find("| Method | n | Bin Acc |"), std::string::npos) << md;
  EXPECT_NE(md.find("reasonrec train"), std::string::npos);         // distillation: missing
  EXPECT_EQ(html.find("recsaver references`"), std::string::npos);  // pass rates present
  EXPECT_EQ(html.find("http://") == std::string::npos ||
                html.find("http://www.w3.org/2000/svg") != std::string::npos,
            true);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

}  // namespace
}  // namespace reasonrec
