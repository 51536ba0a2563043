#include "annotate/study.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "fixture.hpp"
#include "support/paths.hpp"

namespace reasonrec::annotate {
namespace {

std::vector<nlohmann::json> parse_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(AnnotateStudy, SampleIsBalancedOverDomainsAndTrueRatings) {
  const auto files = test::write_study_inputs(test::scratch_dir(), 6);
  const auto summary = create_study(test::create_options(files, 40, 3));
  EXPECT_EQ(summary.examples, 40u);
  EXPECT_EQ(summary.items, 80u);  // two prediction files
  ASSERT_EQ(summary.raters.size(), 3u);
  std::set<std::string> tokens = {summary.admin_token};
  for (const auto& r : summary.raters) {
    EXPECT_EQ(r.token.size(), 64u);
    tokens.insert(r.token);
  }
  EXPECT_EQ(tokens.size(), 4u);

  Study study(files.dir / "study.db");
  const auto lines = parse_lines(study.export_jsonl());
  ASSERT_EQ(lines.size(), 80u * 3u);  // item x rater
  std::map<std::pair<std::string, int>, std::set<std::string>> per_cell;
  for (const auto& j : lines) {
    per_cell[{j["domain"], j["true_rating"]}].insert(j["example_id"].get<std::string>());
  }
  ASSERT_EQ(per_cell.size(), 10u);  // 2 domains x 5 ratings
  for (const auto& [cell, ids] : per_cell) EXPECT_EQ(ids.size(), 4u) << cell.first << cell.second;
  for (const auto& p : study.progress()) EXPECT_EQ(p.assigned, 80u);
}

TEST(AnnotateStudy, SameSeedSameSampleAndNeverOverwrites) {
  const auto files = test::write_study_inputs(test::scratch_dir(), 4);
  auto options = test::create_options(files, 10, 2, false);
  create_study(options);
  EXPECT_THROW(create_study(options), UsageError);
  const auto first = Study(options.out).export_jsonl();
  options.out = files.dir / "again.db";
  create_study(options);
  EXPECT_EQ(Study(options.out).export_jsonl(), first);
}

TEST(AnnotateStudy, TooFewExamplesIsAnInputError) {
  const auto files = test::write_study_inputs(test::scratch_dir(), 1);
  EXPECT_THROW(create_study(test::create_options(files, 30, 2)), InputError);
}

TEST(AnnotateStudy, RaterStateHidesRatingsAndOtherRatersAnswers) {
  const auto files = test::write_study_inputs(test::scratch_dir(), 2);
  const auto summary = create_study(test::create_options(files, 10, 2));
  Study study(files.dir / "study.db");
  const auto r1 = study.rater_by_token(summary.raters[0].token);
  const auto r2 = study.rater_by_token(summary.raters[1].token);
  ASSERT_TRUE(r1 && r2);
  EXPECT_FALSE(study.rater_by_token(std::string(64, '0')));
  EXPECT_FALSE(study.rater_by_token("' OR 1=1 --"));
  EXPECT_TRUE(study.is_admin(summary.admin_token));
  EXPECT_FALSE(study.is_admin(summary.raters[0].token));

  auto state = study.rater_state(*r1);
  ASSERT_EQ(state["items"].size(), 20u);
  const std::int64_t item = state["items"][0]["id"];
  Answer a;
  a.coherence = 4;
  a.faithful = false;
  a.fabricated_note = "claims a brand";
  ASSERT_EQ(study.save_answer(*r1, item, a), 1);
  a.insightfulness = 2;
  ASSERT_EQ(study.save_answer(*r1, item, a), 2);  // a revision, not a second row
  EXPECT_FALSE(study.save_answer(*r1, 999999, a));

  state = study.rater_state(*r1);
  const std::string dumped = state.dump();
  for (const char* hidden : {"true_rating", "predicted", "TARGET REVIEW", "model-a", "cot"}) {
    EXPECT_EQ(dumped.find(hidden), std::string::npos) << hidden;
  }
  for (const auto& it : state["items"]) {
    std::set<std::string> keys;
    for (const auto& [k, v] : it.items()) keys.insert(k);
    EXPECT_EQ(keys, (std::set<std::string>{"answer", "domain", "history", "id", "item_kind",
                                           "reasoning", "target"}));
    EXPECT_FALSE(it["target"].contains("rating"));
  }
  const auto other = study.rater_state(*r2);
  for (const auto& it : other["items"]) EXPECT_TRUE(it["answer"].is_null());

  const auto lines = parse_lines(study.export_jsonl());
  int answered = 0;
  for (const auto& j : lines) {
    if (j["revision"] == 0) continue;
    ++answered;
    EXPECT_EQ(j["rater"], "r1");
    EXPECT_EQ(j["coherence"], 4);
    EXPECT_EQ(j["faithful"], false);
    EXPECT_EQ(j["fabricated_note"], "claims a brand");
    EXPECT_EQ(j["insightfulness"], 2);
    EXPECT_EQ(j["complete"], true);
    EXPECT_EQ(j["revision"], 2);
  }
  EXPECT_EQ(answered, 1);
}

TEST(AnnotateStudy, AnswersAreValidated) {
  const auto ok =
      parse_answer(R"({"item":3,"coherence":5,"faithful":true,"insightfulness":1,"comment":"é"})");
  EXPECT_EQ(ok.first, 3);
  EXPECT_EQ(ok.second.coherence, 5);
  EXPECT_EQ(ok.second.faithful, true);
  EXPECT_EQ(ok.second.comment, "é");
  const auto empty = parse_answer(R"({"item":3,"coherence":null})");
  EXPECT_FALSE(empty.second.coherence);
  for (const std::string& bad : std::vector<std::string>{
           "", "[]", "null", "{}", R"({"item":"3"})", R"({"item":1.5})",
           R"({"item":1,"coherence":0})", R"({"item":1,"coherence":6})",
           R"({"item":1,"coherence":2.5})", R"({"item":1,"insightfulness":"3"})",
           R"({"item":1,"faithful":1})", R"({"item":1,"comment":5})", R"({"item":1,"rater":"r2"})",
           std::string(R"({"item":1,"comment":")") + std::string(kMaxCommentBytes + 1, 'x') + "\"}",
           std::string(R"({"item":1,"fabricated_note":")") + std::string(kMaxNoteBytes + 1, 'x') +
               "\"}",
           std::string("{\"item\":1,\"comment\":\"\xff\xfe\"}")}) {
    EXPECT_THROW(parse_answer(bad), InvalidAnswer) << bad.substr(0, 60);
  }
}

}  // namespace
}  // namespace reasonrec::annotate
