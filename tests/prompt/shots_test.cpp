#include <map>
#include <set>

#include <gtest/gtest.h>

#include "prompt/builtin_templates.hpp"
#include "prompt/shots.hpp"
#include "sample_examples.hpp"
#include "util/error.hpp"

namespace reasonrec::prompt {
namespace {

// Train examples of users u0..u(n-1), ratings cycling 1..5, plus the test target's own user.
std::vector<data::Example> pool(std::size_t n) {
  std::vector<data::Example> out;
  for (std::size_t i = 0; i < n; ++i) {
    data::Example e = test::beauty_example();
    e.user = "u" + std::to_string(i);
    e.id = e.user + "/item/" + std::to_string(i);
    e.split = "train";
    e.rating = static_cast<int>(i % 5) + 1;
    e.review = "Review by " + e.user + ".";
    out.push_back(e);
  }
  return out;
}

std::vector<std::string> ids(const std::vector<ShownExample>& shots) {
  std::vector<std::string> out;
  for (const auto& s : shots) out.push_back(s.example.id);
  return out;
}

TEST(Shots, SameSeedAndTargetGiveTheSameShots) {
  const auto p = pool(40);
  const auto target = test::beauty_example();
  EXPECT_EQ(ids(select_shots(p, target, 3, 7)), ids(select_shots(p, target, 3, 7)));
  std::set<std::vector<std::string>> draws;
  for (std::uint64_t seed = 0; seed < 10; ++seed)
    draws.insert(ids(select_shots(p, target, 3, seed)));
  EXPECT_GT(draws.size(), 5u);  // the seed matters
}

TEST(Shots, DrawsDistinctEligibleExamplesOnly) {
  auto p = pool(8);
  const auto target = test::beauty_example();
  p[0].split = "test";      // not train
  p[1].user = target.user;  // the target's own user
  p[2].review.clear();      // nothing to show as the worked answer
  p.push_back(target);      // the target itself
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    const auto shots = ids(select_shots(p, target, 5, seed));
    const std::set<std::string> unique(shots.begin(), shots.end());
    EXPECT_EQ(unique.size(), 5u);
    EXPECT_EQ(unique, (std::set<std::string>{p[3].id, p[4].id, p[5].id, p[6].id, p[7].id}));
  }
  EXPECT_THROW(select_shots(p, target, 6, 0), Error);
  EXPECT_TRUE(select_shots(p, target, 0, 0).empty());
}

TEST(Shots, EachEligibleExampleIsDrawnAboutEquallyOften) {
  const auto p = pool(5);
  auto target = test::beauty_example();
  std::map<std::string, int> counts;
  for (int i = 0; i < 5000; ++i) {
    target.id = "target" + std::to_string(i);
    ++counts[select_shots(p, target, 1, 42).at(0).example.id];
  }
  ASSERT_EQ(counts.size(), 5u);
  for (const auto& [id, n] : counts) {
    EXPECT_GT(n, 850) << id;  // expected 1000; sd about 28
    EXPECT_LT(n, 1150) << id;
  }
}

TEST(Shots, ReasonIsTheShotsReviewUnlessGiven) {
  const auto p = pool(3);
  const auto target = test::beauty_example();
  const auto shot = select_shots(p, target, 1, 1).at(0);
  EXPECT_EQ(shot.reason, shot.example.review);
  const auto given = select_shots(p, target, 1, 1, {{shot.example.id, "Teacher reasoning."}}).at(0);
  EXPECT_EQ(given.reason, "Teacher reasoning.");
}

TEST(Shots, OneShotPromptIsShotAnswerThenTarget) {
  const auto p = pool(3);
  PromptRequest r;
  r.domain = domain_by_name("beauty");
  r.target.example = test::beauty_example();
  r.shots = select_shots(p, r.target.example, 1, 5);
  const auto& shot = r.shots[0];

  PromptRequest alone_shot = r, alone_target = r;
  alone_shot.shots.clear();
  alone_shot.target = shot;
  alone_target.shots.clear();
  const auto tmpl = load_builtin_template("cot");
  const std::string shot_text = to_completion(build_prompt(tmpl, alone_shot));
  const std::string target_text = to_completion(build_prompt(tmpl, alone_target));

  const Prompt prompt = build_prompt(tmpl, r);
  ASSERT_EQ(prompt.messages.size(), 3u);
  EXPECT_EQ(prompt.messages[0].role, Role::User);
  EXPECT_EQ(prompt.messages[0].content, shot_text);
  EXPECT_EQ(prompt.messages[1].role, Role::Assistant);
  EXPECT_EQ(prompt.messages[1].content, "### Reason ###\n" + shot.reason + "\n### Rating ###\n" +
                                            std::to_string(shot.example.rating));
  EXPECT_EQ(prompt.messages[2].content, target_text);
  EXPECT_EQ(to_completion(prompt),
            shot_text + "\n" + prompt.messages[1].content + "\n\n" + target_text);

  const Prompt direct = build_prompt(load_builtin_template("direct"), r);
  EXPECT_EQ(direct.messages[1].content, "### Rating ###\n" + std::to_string(shot.example.rating));
}

TEST(Shots, TemplatesWithoutAnAnswerSectionCannotShowWorkedExamples) {
  PromptRequest r;
  r.domain = domain_by_name("beauty");
  r.target.example = test::beauty_example();
  r.shots = select_shots(pool(3), r.target.example, 1, 5);
  EXPECT_THROW(build_prompt(load_builtin_template("recsaver_explain"), r), Error);
}

}  // namespace
}  // namespace reasonrec::prompt
