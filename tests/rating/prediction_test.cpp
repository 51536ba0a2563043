#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "eval/prediction.hpp"
#include "eval/rating_policy.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using eval::Prediction;

Prediction full_prediction() {
  Prediction p;
  p.example_id = "beauty-test-0007";
  p.split = "test";
  p.mode = "cot";
  p.model = "flan-t5-xl";
  p.backend = "local";
  p.sample = 2;
  p.seed = 18446744073709551615ull;
  p.true_rating = 4;
  p.rating = 5;
  p.parse_status = "strict";
  p.reasoning = "She loves \"light\" moisturisers.\nLine two.";
  p.raw = "### Reason ###\nShe loves...\n### Rating ###\n5";
  p.probabilities = eval::ClassProbabilities{0.1, 0.05, 0.05, 0.3, 0.5};
  p.expected_rating = 4.1;
  p.usage = {{"prompt_tokens", 812}, {"completion_tokens", 95}, {"seconds", 1.25}};
  return p;
}

std::string write_lines(const std::vector<std::string>& lines) {
  const auto path = (scratch_dir() / "predictions.jsonl").string();
  std::ofstream out(path);
  for (const auto& line : lines) out << line << "\n";
  return path;
}

std::string error_of(const std::string& path) {
  try {
    eval::read_predictions(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(PredictionIo, RoundTripsEveryField) {
  const auto path = (scratch_dir() / "p.jsonl").string();
  Prediction minimal;
  minimal.example_id = "x";
  minimal.true_rating = 1;
  minimal.parse_status = "unparsed:no-rating";
  eval::write_predictions(path, {full_prediction(), minimal});
  const auto back = eval::read_predictions(path);
  ASSERT_EQ(back.size(), 2u);
  const auto& p = back[0];
  const auto q = full_prediction();
  EXPECT_EQ(p.example_id, q.example_id);
  EXPECT_EQ(p.split, q.split);
  EXPECT_EQ(p.mode, q.mode);
  EXPECT_EQ(p.model, q.model);
  EXPECT_EQ(p.backend, q.backend);
  EXPECT_EQ(p.sample, q.sample);
  EXPECT_EQ(p.seed, q.seed);
  EXPECT_EQ(p.true_rating, q.true_rating);
  EXPECT_EQ(p.rating, q.rating);
  EXPECT_EQ(p.parse_status, q.parse_status);
  EXPECT_EQ(p.reasoning, q.reasoning);
  EXPECT_EQ(p.raw, q.raw);
  EXPECT_EQ(p.probabilities, q.probabilities);
  EXPECT_EQ(p.expected_rating, q.expected_rating);
  EXPECT_EQ(p.usage, q.usage);
  EXPECT_FALSE(back[1].rating.has_value());
  EXPECT_FALSE(back[1].probabilities.has_value());
  EXPECT_FALSE(back[1].seed.has_value());
  EXPECT_TRUE(back[1].usage.empty());
}

TEST(PredictionIo, KeysComeInTheDocumentedOrderAndNullsAreWritten) {
  Prediction p;
  p.example_id = "x";
  p.true_rating = 3;
  EXPECT_EQ(eval::prediction_to_jsonl_line(p),
            R"({"example_id":"x","split":"","mode":"","model":"","backend":"","sample":0,)"
            R"("seed":null,"true_rating":3,"rating":null,"parse_status":"","reasoning":"",)"
            R"("raw":"","probabilities":null,"expected_rating":null,"usage":null})");
}

TEST(PredictionIo, OptionalFieldsMayBeOmitted) {
  const auto path = write_lines(
      {R"({"example_id":"a","split":"test","mode":"cot","model":"m","backend":"b","sample":0,)"
       R"("true_rating":2,"parse_status":"strict","reasoning":"","raw":"2","rating":2})",
       "",
       R"({"example_id":"b","split":"test","mode":"cot","model":"m","backend":"b",)"
       R"("sample":1,"true_rating":5,"parse_status":"unparsed","reasoning":"","raw":"?"})"});
  const auto back = eval::read_predictions(path);
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].rating, 2);
  EXPECT_FALSE(back[1].rating.has_value());
}

TEST(PredictionIo, InvalidUtf8IsReplacedNotFatal) {
  Prediction p;
  p.example_id = "x";
  p.true_rating = 3;
  p.raw = "bad \xff byte";
  const auto line = eval::prediction_to_jsonl_line(p);
  EXPECT_NE(line.find("\xef\xbf\xbd"), std::string::npos);
}

TEST(PredictionIo, BadInputNamesFileLineAndField) {
  const std::string head =
      R"({"example_id":"a","split":"test","mode":"cot","model":"m","backend":"b","sample":0,)"
      R"("parse_status":"strict","reasoning":"","raw":"",)";
  const std::string good = head + R"("true_rating":3,"rating":3})";
  struct Case {
    std::string line;
    std::string expected;
  };
  const std::vector<Case> cases{
      {head + R"("true_rating":3,"rating":6})", ":2: field 'rating': rating must be 1..5, got 6"},
      {head + R"("true_rating":3,"rating":"4"})", ":2: field 'rating': expected an integer"},
      {head + R"("rating":3})", ":2: field 'true_rating': missing field"},
      {head + R"("true_rating":3,"rating":3,"probabilities":[0.5,0.5]})",
       ":2: field 'probabilities': expected an array of 5 numbers"},
      {head + R"("true_rating":3,"rating":3,"probabilities":[0.5,0.5,0.5,0,0]})",
       ":2: field 'probabilities': probabilities must sum to 1"},
      {head + R"("true_rating":3,"rating":3,"probabilities":[-0.5,0.5,0.5,0.5,0]})",
       ":2: field 'probabilities': probabilities must be non-negative"},
      {head + R"("true_rating":3,"rating":3,"expected_rating":7.5})",
       ":2: field 'expected_rating': must lie in [1, 5]"},
      {head + R"("true_rating":3,"rating":3,"usage":{"prompt_tokens":"many"}})",
       ":2: field 'usage.prompt_tokens': expected a number"},
      {head + R"("true_rating":3,"rating":3,"seed":-1})",
       ":2: field 'seed': expected a non-negative integer"},
      {R"({"example_id":"a", "split":)", ":2: malformed JSON"},
      {"[1,2]", ":2: expected a JSON object"},
  };
  for (const auto& c : cases) {
    const auto path = write_lines({good, c.line});
    const auto message = error_of(path);
    EXPECT_NE(message.find(path + c.expected), std::string::npos)
        << "got: " << message << "\nwanted: " << c.expected;
  }
  EXPECT_NE(error_of("/nonexistent/p.jsonl").find("cannot open"), std::string::npos);
}

TEST(UnparsedPolicy, ParsesAndNamesEachPolicy) {
  EXPECT_EQ(eval::UnparsedPolicy::parse("exclude").kind(), eval::UnparsedPolicy::Kind::Exclude);
  EXPECT_EQ(eval::UnparsedPolicy::parse("wrong").kind(), eval::UnparsedPolicy::Kind::Wrong);
  const auto fallback = eval::UnparsedPolicy::parse("fallback:3");
  EXPECT_EQ(fallback.kind(), eval::UnparsedPolicy::Kind::Fallback);
  EXPECT_EQ(fallback.fallback_rating(), 3);
  for (const char* name : {"exclude", "wrong", "fallback:1", "fallback:5"}) {
    EXPECT_EQ(eval::UnparsedPolicy::parse(name).name(), name);
  }
  for (const char* bad : {"", "drop", "fallback:", "fallback:0", "fallback:6", "fallback:3x",
                          "fallback:-1", "Exclude"}) {
    EXPECT_THROW(eval::UnparsedPolicy::parse(bad), UsageError) << bad;
  }
}

TEST(UnparsedPolicy, WrongRatingIsWrongEverywhereAndMaximallyFar) {
  for (int truth = 1; truth <= 5; ++truth) {
    const int w = eval::wrong_rating(truth);
    EXPECT_NE(w, truth);
    EXPECT_NE(eval::is_positive_rating(w), eval::is_positive_rating(truth));
    for (int other = 1; other <= 5; ++other) {
      EXPECT_GE(std::abs(w - truth), std::abs(other - truth)) << truth;
    }
  }
}

TEST(UnparsedPolicy, ScoringAppliesThePolicy) {
  std::vector<Prediction> ps(3);
  ps[0].example_id = "a";
  ps[0].true_rating = 2;
  ps[0].rating = 2;
  ps[0].expected_rating = 2.4;
  ps[1].example_id = "b";
  ps[1].true_rating = 4;
  ps[2].example_id = "c";
  ps[2].true_rating = 2;
  const auto excluded =
      eval::score_predictions(ps, eval::UnparsedPolicy::exclude(), eval::PointSource::Rating);
  EXPECT_EQ(excluded.total, 3u);
  EXPECT_EQ(excluded.unparsed, 2u);
  EXPECT_EQ(excluded.example_ids, std::vector<std::string>{"a"});
  const auto wrong =
      eval::score_predictions(ps, eval::UnparsedPolicy::wrong(), eval::PointSource::Rating);
  ASSERT_EQ(wrong.rows.size(), 3u);
  EXPECT_EQ(wrong.rows[1].predicted, 1);
  EXPECT_EQ(wrong.rows[2].predicted, 5);
  EXPECT_EQ(wrong.rows[2].point, 5.0);
  const auto fallback =
      eval::score_predictions(ps, eval::UnparsedPolicy::fallback(3), eval::PointSource::Rating);
  EXPECT_EQ(fallback.rows[1].predicted, 3);
  EXPECT_EQ(fallback.unparsed, 2u);
  const auto expected =
      eval::score_predictions(ps, eval::UnparsedPolicy::exclude(), eval::PointSource::Expected);
  EXPECT_EQ(expected.rows[0].point, 2.4);
  EXPECT_EQ(expected.rows[0].predicted, 2);
  ps[0].expected_rating.reset();
  EXPECT_THROW(
      eval::score_predictions(ps, eval::UnparsedPolicy::exclude(), eval::PointSource::Expected),
      Error);
}

}  // namespace
}  // namespace reasonrec::test
