#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "data/example_io.hpp"
#include "prompt/builder.hpp"
#include "prompt/builtin_templates.hpp"
#include "prompt/token_counter.hpp"
#include "sample_examples.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::prompt {
namespace {

namespace fs = std::filesystem;
using reasonrec::test::run_reasonrec;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A small examples.jsonl: the sample test example and three train examples of other users.
struct ExamplesFile {
  fs::path path;
  data::Example target;
};

ExamplesFile write_examples_file(const fs::path& dir) {
  ExamplesFile f{dir / "examples.jsonl", test::beauty_example()};
  std::vector<data::Example> all{f.target};
  for (int i = 0; i < 3; ++i) {
    data::Example e = test::beauty_example();
    e.user = "TRAINUSER" + std::to_string(i);
    e.id = e.user + "/B0009RF9DW/1";
    e.split = "train";
    e.rating = i + 2;
    e.review = "Worked example review number " + std::to_string(i) + ".";
    all.push_back(e);
  }
  std::ofstream out(f.path);
  data::write_examples(out, all);
  return f;
}

std::string library_render(const data::Example& e, const std::string& tmpl, Ablation ablation,
                           const std::string& domain) {
  PromptRequest r;
  r.domain = domain_by_name(domain);
  r.ablation = ablation;
  r.target.example = e;
  return to_completion(build_prompt(load_builtin_template(tmpl), r)) + "\n";
}

TEST(PromptCli, ShowPrintsTheRenderedPromptForEachModeAndAblation) {
  const auto f = write_examples_file(reasonrec::test::scratch_dir());
  const std::vector<std::string> base{"prompt",        "show",      "--examples",
                                      f.path.string(), "--example", f.target.id};
  auto r = run_reasonrec(base);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, library_render(f.target, "cot", Ablation::None, "beauty"));
  EXPECT_NE(r.out.find("User Review: My favourite lip balm"), std::string::npos);

  auto args = base;
  args.insert(args.end(), {"--mode", "direct", "--ablation", "no-review", "--domain", "movies"});
  r = run_reasonrec(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, library_render(f.target, "direct", Ablation::NoReview, "movies"));
  EXPECT_EQ(r.out.find("User Review:"), std::string::npos);
  EXPECT_NE(r.out.find("New Video\n"), std::string::npos);

  args = base;
  args.insert(args.end(), {"--mode", "explain"});
  r = run_reasonrec(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, library_render(f.target, "recsaver_explain", Ablation::None, "beauty"));
}

TEST(PromptCli, ChatFormIsJsonMessages) {
  const auto f = write_examples_file(reasonrec::test::scratch_dir());
  const auto r = run_reasonrec({"prompt", "show", "--examples", f.path.string(), "--example",
                                f.target.id, "--chat", "--shots", "1", "--seed", "9"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["role"], "user");
  EXPECT_EQ(j[1]["role"], "assistant");
  EXPECT_EQ(j[1]["content"].get<std::string>().rfind("### Reason ###\nWorked example review", 0),
            0u);
  EXPECT_EQ(j[2]["role"], "user");
  EXPECT_EQ(j[2]["content"].get<std::string>() + "\n",
            library_render(f.target, "cot", Ablation::None, "beauty"));
}

TEST(PromptCli, ShotsAreDeterministicForASeed) {
  const auto f = write_examples_file(reasonrec::test::scratch_dir());
  auto show = [&](const std::string& seed) {
    return run_reasonrec({"prompt", "show", "--examples", f.path.string(), "--example", f.target.id,
                          "--shots", "2", "--seed", seed});
  };
  const auto a = show("11"), b = show("11");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  const auto too_many = run_reasonrec(
      {"prompt", "show", "--examples", f.path.string(), "--example", f.target.id, "--shots", "4"});
  EXPECT_EQ(too_many.exit_code, 1);
  EXPECT_NE(too_many.err.find("only 3 train examples"), std::string::npos) << too_many.err;
}

TEST(PromptCli, BudgetKeepsThePromptUnderTheEstimate) {
  const auto f = write_examples_file(reasonrec::test::scratch_dir());
  const auto r = run_reasonrec({"prompt", "show", "--examples", f.path.string(), "--example",
                                f.target.id, "--budget", "400"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string prompt = r.out;
  prompt.pop_back();  // the newline the command adds
  EXPECT_LE(EstimateTokenCounter().count(prompt), 400u);
  EXPECT_NE(r.err.find("budget 400: "), std::string::npos) << r.err;
  const auto impossible = run_reasonrec({"prompt", "show", "--examples", f.path.string(),
                                         "--example", f.target.id, "--budget", "20"});
  EXPECT_EQ(impossible.exit_code, 1);
  EXPECT_NE(impossible.err.find("budget 20"), std::string::npos) << impossible.err;
}

TEST(PromptCli, TemplateFileOverridesAndErrorsNameFileAndLine) {
  const auto dir = reasonrec::test::scratch_dir();
  const auto f = write_examples_file(dir);
  write_file(dir / "mine.txt",
             "{{#system}}\nYou predict ratings.\n{{/system}}\nRate {{target.title}} for a "
             "{{item_kind}} fan.\n");
  auto r = run_reasonrec({"prompt", "show", "--examples", f.path.string(), "--example", f.target.id,
                          "--template", (dir / "mine.txt").string(), "--chat"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["role"], "system");
  EXPECT_EQ(j[0]["content"], "You predict ratings.");
  EXPECT_EQ(j[1]["content"], "Rate " + f.target.target.meta.title + " for a product fan.");

  write_file(dir / "typo.txt", "Title:\n{{target.titel}}\n");
  r = run_reasonrec({"prompt", "show", "--examples", f.path.string(), "--example", f.target.id,
                     "--template", (dir / "typo.txt").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find((dir / "typo.txt").string() +
                       ":2: unknown placeholder 'target.titel' in {{target.titel}}"),
            std::string::npos)
      << r.err;
}

TEST(PromptCli, BadArgumentsAreClearErrors) {
  const auto f = write_examples_file(reasonrec::test::scratch_dir());
  auto r =
      run_reasonrec({"prompt", "show", "--examples", f.path.string(), "--example", "no-such-id"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(f.path.string() + ": no example with id 'no-such-id' (4 examples)"),
            std::string::npos)
      << r.err;
  r = run_reasonrec({"prompt", "show", "--examples", f.path.string(), "--example", f.target.id,
                     "--mode", "verify"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--explanation"), std::string::npos) << r.err;
  r = run_reasonrec({"prompt", "show", "--examples", f.path.string(), "--example", f.target.id,
                     "--ablation", "no-reviews"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown ablation 'no-reviews'"), std::string::npos) << r.err;
}

TEST(PromptCli, TemplatesDumpWritesTheShippedFiles) {
  const auto dir = reasonrec::test::scratch_dir() / "templates";
  auto r = run_reasonrec({"prompt", "templates", "--dump", dir.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(REASONREC_SOURCE_DIR) / "templates")) {
    ++files;
    EXPECT_EQ(read_file(dir / entry.path().filename()), read_file(entry.path())) << entry.path();
  }
  EXPECT_EQ(files, 4u);
  r = run_reasonrec({"prompt", "templates", "--dump", dir.string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pass --force"), std::string::npos) << r.err;
  r = run_reasonrec({"prompt", "templates"});
  EXPECT_EQ(r.out, "cot\ndirect\nrecsaver_explain\nrecsaver_verify\n");
}

TEST(PromptCli, ParseReadsStdinAndPrintsJson) {
  const auto r =
      reasonrec::test::run_program({reasonrec::test::reasonrec_bin(), "prompt", "parse"},
                                   "### Reason ###\nLikes vanilla.\n### Rating ###\n4\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["rating"], 4);
  EXPECT_EQ(j["source"], "strict");
  EXPECT_EQ(j["reasoning"], "Likes vanilla.");
}

// The issue's acceptance check: every mode and ablation renders from real Amazon data.
TEST(PromptCli, EveryModeRendersFromRealSharedData) {
  const auto dir = reasonrec::test::scratch_dir();
  const auto data = reasonrec::test::shared_data("amazon2018_magazine_subscriptions");
  auto r = run_reasonrec(
      {"prepare", "--reviews", (data / "Magazine_Subscriptions_5.json.gz").string(), "--meta",
       (data / "meta_Magazine_Subscriptions.json.gz").string(), "--out", dir.string(), "--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto examples = data::read_examples((dir / "examples.jsonl").string());
  const data::Example* target = nullptr;
  for (const auto& e : examples) {
    if (e.split == "test" && !e.target.meta.brand.empty() && target == nullptr) target = &e;
  }
  ASSERT_NE(target, nullptr);
  for (const std::string mode : {"cot", "direct", "explain", "verify"}) {
    for (const std::string ablation : {"none", "no-review", "no-review-rating", "no-description"}) {
      std::vector<std::string> args{
          "prompt",     "show",     "--examples",    (dir / "examples.jsonl").string(),
          "--example",  target->id, "--mode",        mode,
          "--ablation", ablation,   "--explanation", "The user likes glossy magazines."};
      if (mode == "cot" || mode == "direct") args.insert(args.end(), {"--shots", "1"});
      r = run_reasonrec(args);
      ASSERT_EQ(r.exit_code, 0) << mode << " " << ablation << ": " << r.err;
      EXPECT_NE(r.out.find("### New Item Information: ###"), std::string::npos);
      EXPECT_NE(r.out.find(target->target.meta.brand), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace reasonrec::prompt
