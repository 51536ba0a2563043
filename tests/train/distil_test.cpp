// `reasonrec distil` as a library: every filter on the hand-made teacher table of
// distil_fixture.hpp (explicit retained sets, boundaries included), the verified filter, the
// target read back by the project's parser, the prompt against predict's own builder, the
// summary and its class warnings, and the errors.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "distil_fixture.hpp"
#include "llm/predict.hpp"
#include "prompt/parse_rating.hpp"
#include "support/paths.hpp"
#include "train/distil.hpp"
#include "util/error.hpp"

namespace reasonrec::train {
namespace {

using Key = std::pair<std::string, int>;

std::vector<nlohmann::json> read_lines(const std::filesystem::path& path) {
  std::vector<nlohmann::json> out;
  std::istringstream in(test::read_text(path));
  for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
  return out;
}

class DistilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::scratch_dir();
    examples_ = test::distil_examples();
    table_ = test::teacher_table(examples_);
    test::write_examples_file(dir_ / "examples.jsonl", examples_);
    test::write_teacher_file(dir_ / "teacher.jsonl", table_);
  }

  DistilOptions options(DistilFilter filter) const {
    DistilOptions o;
    o.examples = dir_ / "examples.jsonl";
    o.teacher = dir_ / "teacher.jsonl";
    o.out = dir_ / "sft.jsonl";
    o.filter = filter;
    return o;
  }

  std::set<Key> retained(const DistilOptions& o) {
    run_distil(o);
    std::set<Key> keys;
    for (const auto& j : read_lines(o.out))
      keys.insert({j.at("id").get<std::string>(), j.at("sample").get<int>()});
    return keys;
  }

  std::filesystem::path dir_;
  std::vector<data::Example> examples_;
  std::vector<eval::Prediction> table_;
};

TEST_F(DistilTest, EachPaperFilterRetainsExactlyItsSamples) {
  // Unparsed samples (A4, C1) are gone under every filter, none included.
  EXPECT_EQ(retained(options(DistilFilter::None)), (std::set<Key>{{"A", 0},
                                                                  {"A", 1},
                                                                  {"A", 2},
                                                                  {"A", 3},
                                                                  {"B", 0},
                                                                  {"B", 1},
                                                                  {"B", 2},
                                                                  {"B", 3},
                                                                  {"C", 0},
                                                                  {"D", 0},
                                                                  {"D", 1}}));
  EXPECT_EQ(retained(options(DistilFilter::FiveClass)),
            (std::set<Key>{{"A", 0}, {"B", 0}, {"D", 1}}));
  // Binary: A1 (3 vs truth 4) and B1 (4 vs truth 3) sit across the boundary; B2 (1 vs 3)
  // stays on the same side although two off.
  EXPECT_EQ(retained(options(DistilFilter::Binary)),
            (std::set<Key>{{"A", 0}, {"A", 3}, {"B", 0}, {"B", 2}, {"B", 3}, {"D", 0}, {"D", 1}}));
  // 1-off: |diff| = 1 stays (A1, A3, B1, B3, D0), |diff| = 2 goes (A2, B2).
  EXPECT_EQ(retained(options(DistilFilter::OneOff)),
            (std::set<Key>{
                {"A", 0}, {"A", 1}, {"A", 3}, {"B", 0}, {"B", 1}, {"B", 3}, {"D", 0}, {"D", 1}}));
}

TEST_F(DistilTest, RatingRulesAtTheirBoundaries) {
  EXPECT_FALSE(passes_rating_filter(DistilFilter::Binary, 3, 4));
  EXPECT_TRUE(passes_rating_filter(DistilFilter::Binary, 4, 5));
  EXPECT_TRUE(passes_rating_filter(DistilFilter::Binary, 1, 3));
  EXPECT_TRUE(passes_rating_filter(DistilFilter::OneOff, 3, 4));
  EXPECT_FALSE(passes_rating_filter(DistilFilter::OneOff, 2, 4));
  EXPECT_TRUE(passes_rating_filter(DistilFilter::FiveClass, 2, 2));
  EXPECT_FALSE(passes_rating_filter(DistilFilter::FiveClass, 2, 3));
  EXPECT_THROW(passes_rating_filter(DistilFilter::Verified, 2, 2), std::logic_error);
  for (const DistilFilter f : kAllDistilFilters) {
    EXPECT_EQ(parse_distil_filter(distil_filter_name(f)), f);
  }
  EXPECT_THROW(parse_distil_filter("5-class"), UsageError);
}

TEST_F(DistilTest, VerifiedFilterKeepsOnlyVerifiedPaths) {
  // V: A0, B0 and D1 verified, A1 rejected; every other parsed sample has no line.
  std::ofstream v(dir_ / "verified.jsonl");
  v << test::verification_line(table_[0], true) << test::verification_line(table_[1], false)
    << test::verification_line(table_[5], true) << test::verification_line(table_[12], true);
  v.close();
  DistilOptions o = options(DistilFilter::Verified);
  o.verification = dir_ / "verified.jsonl";
  EXPECT_EQ(retained(o), (std::set<Key>{{"A", 0}, {"B", 0}, {"D", 1}}));
  const DistilSummary s = run_distil(o).summary;
  EXPECT_EQ(s.unparsed, 2u);
  EXPECT_EQ(s.unverified, 7u);  // 11 parsed, 4 in V
  EXPECT_EQ(s.filtered_out, 1u);
  EXPECT_EQ(s.retained, 3u);
  EXPECT_EQ(s.retained_by_filter.at(DistilFilter::Verified), 3u);
  EXPECT_EQ(s.retained_by_filter.at(DistilFilter::None), 11u);
}

TEST_F(DistilTest, VerifiedFilterWithoutVerificationIsAUsageError) {
  EXPECT_THROW(run_distil(options(DistilFilter::Verified)), UsageError);
}

TEST_F(DistilTest, VerificationOfAnotherTeacherFileIsRefusedWithItsLine) {
  eval::Prediction other = table_[0];
  other.rating = 2;  // the teacher file says 4
  std::ofstream v(dir_ / "verified.jsonl");
  v << test::verification_line(table_[5], true) << test::verification_line(other, true);
  v.close();
  DistilOptions o = options(DistilFilter::Verified);
  o.verification = dir_ / "verified.jsonl";
  try {
    run_distil(o);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), (dir_ / "verified.jsonl").string());
    EXPECT_EQ(e.line(), 2u);
  }
}

TEST_F(DistilTest, ReasoningTargetIsTheTeachersReasoningWithTheTrueRating) {
  run_distil(options(DistilFilter::None));
  const auto lines = read_lines(dir_ / "sft.jsonl");
  ASSERT_EQ(lines.size(), 11u);
  for (const auto& j : lines) {
    const std::string target = j.at("target");
    const int truth = j.at("rating");
    // The paper's layout, exactly as the cot template asks for it.
    EXPECT_EQ(target, "### Reason ###\n" + test::table_reasoning(j.at("id"), j.at("sample")) +
                          "\n### Rating ###\n" + std::to_string(truth));
    const prompt::ParsedRating back = prompt::parse_rating(target);
    EXPECT_EQ(back.rating, truth) << target;
    EXPECT_EQ(back.source, prompt::RatingSource::Strict);
    EXPECT_EQ(back.reasoning, test::table_reasoning(j.at("id"), j.at("sample")));
  }
  // C0's teacher said 5; the student is taught the truth, 1.
  EXPECT_EQ(lines[8].at("id"), "C");
  EXPECT_EQ(lines[8].at("teacher_rating"), 5);
  EXPECT_EQ(lines[8].at("rating"), 1);
}

TEST_F(DistilTest, RatingOnlyTargetIsTheDirectAnswer) {
  DistilOptions o = options(DistilFilter::FiveClass);
  o.target = DistilTarget::RatingOnly;
  run_distil(o);
  const auto lines = read_lines(o.out);
  ASSERT_EQ(lines.size(), 3u);
  for (const auto& j : lines) {
    const int truth = j.at("rating");
    EXPECT_EQ(j.at("target"), "### Rating ###\n" + std::to_string(truth));
    EXPECT_EQ(prompt::parse_rating(j.at("target").get<std::string>()).rating, truth);
    EXPECT_EQ(j.at("mode"), "direct");
  }
}

TEST_F(DistilTest, EmptyReasoningIsDroppedOnlyForAReasoningTarget) {
  table_.push_back(test::teacher_sample(examples_[0], 9, 4, ""));
  test::write_teacher_file(dir_ / "teacher.jsonl", table_);
  const DistilSummary reasoning = run_distil(options(DistilFilter::FiveClass)).summary;
  EXPECT_EQ(reasoning.empty_reasoning, 1u);
  EXPECT_EQ(reasoning.retained, 3u);
  DistilOptions o = options(DistilFilter::FiveClass);
  o.target = DistilTarget::RatingOnly;
  EXPECT_EQ(retained(o), (std::set<Key>{{"A", 0}, {"A", 9}, {"B", 0}, {"D", 1}}));
}

TEST_F(DistilTest, PromptIsWhatPredictSends) {
  run_distil(options(DistilFilter::FiveClass));
  const auto lines = read_lines(dir_ / "sft.jsonl");
  ASSERT_EQ(lines.size(), 3u);
  // predict's options for `--mode cot` (predict_command.cpp), chat and completions.
  llm::PredictOptions predict;
  predict.spec = llm::resolve_mode("cot", "none", std::nullopt);
  predict.domain = "beauty";
  const std::vector<data::Example> targets{examples_[0]};
  const auto chat = llm::build_requests(examples_, targets, predict);
  predict.api = llm::Api::Completion;
  const auto completion = llm::build_requests(examples_, targets, predict);
  ASSERT_EQ(chat.size(), 1u);
  const nlohmann::json& a = lines[0];
  ASSERT_EQ(a.at("id"), "A");
  ASSERT_EQ(a.at("messages").size(), chat[0].messages.size());
  for (std::size_t i = 0; i < chat[0].messages.size(); ++i) {
    EXPECT_EQ(a.at("messages")[i].at("role"), chat[0].messages[i].role);
    EXPECT_EQ(a.at("messages")[i].at("content"), chat[0].messages[i].content);
  }
  EXPECT_EQ(a.at("prompt"), completion[0].prompt);
  EXPECT_NE(a.at("prompt").get<std::string>().find("Night serum"), std::string::npos);
}

TEST_F(DistilTest, LinesCarryTheSchemaInOrder) {
  run_distil(options(DistilFilter::FiveClass));
  const std::string text = test::read_text(dir_ / "sft.jsonl");
  const auto first = nlohmann::ordered_json::parse(text.substr(0, text.find('\n')));
  std::vector<std::string> keys;
  for (const auto& [k, v] : first.items()) keys.push_back(k);
  EXPECT_EQ(keys,
            (std::vector<std::string>{"id", "sample", "domain", "split", "rating", "teacher_rating",
                                      "filter", "mode", "messages", "prompt", "target"}));
  EXPECT_EQ(first.at("filter"), "5class");
  EXPECT_EQ(first.at("split"), "train");
  EXPECT_EQ(first.at("domain"), "beauty");
}

TEST_F(DistilTest, SummaryCountsAndTheNearlyGoneClass) {
  const DistilResult r = run_distil(options(DistilFilter::FiveClass));
  const DistilSummary& s = r.summary;
  EXPECT_EQ(s.input_samples, 13u);
  EXPECT_EQ(s.examples, 4u);
  EXPECT_EQ(s.unparsed, 2u);
  EXPECT_EQ(s.filtered_out, 8u);
  EXPECT_EQ(s.retained, 3u);
  EXPECT_EQ(s.retained_by_filter.at(DistilFilter::None), 11u);
  EXPECT_EQ(s.retained_by_filter.at(DistilFilter::FiveClass), 3u);
  EXPECT_EQ(s.retained_by_filter.at(DistilFilter::Binary), 7u);
  EXPECT_EQ(s.retained_by_filter.at(DistilFilter::OneOff), 8u);
  EXPECT_EQ(s.retained_by_filter.count(DistilFilter::Verified), 0u);  // no V given
  EXPECT_EQ(s.by_true_rating[0].input, 2u);                           // C
  EXPECT_EQ(s.by_true_rating[0].retained, 0u);
  EXPECT_EQ(s.by_true_rating[3].input, 5u);  // A
  EXPECT_EQ(s.by_true_rating[3].retained, 1u);
  EXPECT_EQ(s.examples_without_retained, std::vector<std::string>{"C"});
  ASSERT_EQ(class_warnings(s).size(), 1u);
  EXPECT_EQ(class_warnings(s)[0].rfind("class 1 nearly gone: 0 of 2 retained", 0), 0u);
  EXPECT_NE(format_summary(s).find("WARNING: class 1 nearly gone: 0 of 2 retained"),
            std::string::npos);

  EXPECT_EQ(r.summary_path, dir_ / "sft.summary.json");
  const auto j = nlohmann::json::parse(test::read_text(r.summary_path));
  EXPECT_EQ(j.at("input_samples"), 13);
  EXPECT_EQ(j.at("unparsed_dropped"), 2);
  EXPECT_EQ(j.at("retained"), 3);
  EXPECT_EQ(j.at("retained_by_filter").at("binary"), 7);
  EXPECT_EQ(j.at("by_true_rating").at("4").at("input"), 5);
  EXPECT_DOUBLE_EQ(j.at("by_true_rating").at("4").at("retained_rate").get<double>(), 0.2);
  EXPECT_DOUBLE_EQ(j.at("by_true_rating").at("5").at("share_of_retained").get<double>(), 1.0 / 3);
  EXPECT_TRUE(j.at("by_true_rating").at("2").at("retained_rate").is_null());  // no input
  EXPECT_EQ(j.at("examples_without_retained").at("count"), 1);
  EXPECT_EQ(j.at("warnings").size(), 1u);
}

TEST(DistilWarnings, TenPercentOfTheClassAndFivePercentOfAll) {
  DistilSummary s;
  s.by_true_rating = {RatingClassCounts{412, 3}, RatingClassCounts{100, 10},
                      RatingClassCounts{100, 40}, RatingClassCounts{1000, 500},
                      RatingClassCounts{0, 0}};
  s.retained = 553;
  const auto w = class_warnings(s);
  // Class 1: under 10% of its input. Class 2: exactly 10% of its input but 1.8% of all.
  // Class 3: 40% of its input and 7.2% of all: fine. Class 5: no input, nothing to warn.
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].rfind("class 1 nearly gone: 3 of 412 retained", 0), 0u);
  EXPECT_EQ(w[1].rfind("class 2 nearly gone: 10 of 100 retained", 0), 0u);
  s.by_true_rating[3] = {100, 97};
  s.retained = 150;  // class 2 is now 6.7% of all and exactly 10% of its own: no warning
  EXPECT_EQ(class_warnings(s).size(), 1u);
}

TEST_F(DistilTest, UnknownExampleNamesTheTeacherFileAndLine) {
  table_.insert(table_.begin() + 2, test::teacher_sample(examples_[0], 7, 4, "x"));
  table_[2].example_id = "nobody";
  test::write_teacher_file(dir_ / "teacher.jsonl", table_);
  try {
    run_distil(options(DistilFilter::None));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), (dir_ / "teacher.jsonl").string());
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(std::string(e.what()).find("nobody"), std::string::npos);
  }
  DistilOptions o = options(DistilFilter::None);
  o.skip_missing = true;
  const DistilSummary s = run_distil(o).summary;
  EXPECT_EQ(s.skipped_missing, 1u);
  EXPECT_EQ(s.input_samples, 13u);
  EXPECT_EQ(s.retained, 11u);
}

TEST_F(DistilTest, TestSplitSamplesAreRefusedUnlessAsked) {
  table_.push_back(test::teacher_sample(examples_[4], 0, 2, "test reasoning"));
  test::write_teacher_file(dir_ / "teacher.jsonl", table_);
  try {
    run_distil(options(DistilFilter::None));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 14u);
    EXPECT_NE(std::string(e.what()).find("test split"), std::string::npos);
  }
  DistilOptions o = options(DistilFilter::None);
  o.split = "all";
  EXPECT_EQ(run_distil(o).summary.retained, 12u);
  o.split = "test";
  EXPECT_THROW(run_distil(o), InputError);  // now the train samples are the wrong split
  o.split = "validation";
  EXPECT_THROW(run_distil(o), UsageError);
}

TEST_F(DistilTest, DuplicateSampleNamesBothLines) {
  table_.push_back(table_[3]);
  test::write_teacher_file(dir_ / "teacher.jsonl", table_);
  try {
    run_distil(options(DistilFilter::None));
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 14u);
    EXPECT_NE(std::string(e.what()).find("already on line 4"), std::string::npos);
  }
}

TEST_F(DistilTest, ModeThatContradictsTheTargetIsAUsageError) {
  DistilOptions o = options(DistilFilter::None);
  o.mode = "direct";
  EXPECT_THROW(run_distil(o), UsageError);
  o.mode = "cot";
  o.target = DistilTarget::RatingOnly;
  EXPECT_THROW(run_distil(o), UsageError);
  EXPECT_THROW(parse_distil_target("rating"), UsageError);
}

TEST_F(DistilTest, NothingIsWrittenWhenInputIsBad) {
  table_[5].true_rating = 2;  // B's truth is 3
  test::write_teacher_file(dir_ / "teacher.jsonl", table_);
  EXPECT_THROW(run_distil(options(DistilFilter::None)), InputError);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "sft.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "sft.summary.json"));
}

}  // namespace
}  // namespace reasonrec::train
