// rouge-score 0.1.2 against the peer's public vectors (rouge-score is not packaged for Debian,
// so the vectors are the reference).
#include "eval/rouge.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

#include "eval/text_metrics.hpp"
#include "nltk_reference.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using eval::RougeScorer;
using eval::RougeTriple;
using eval::RougeType;

// Far below the 1e-4 the issue asks for: the arithmetic is the peer's, operation by operation.
constexpr double kTolerance = 1e-9;

eval::MetricOptions options_of(std::initializer_list<std::pair<const char*, const char*>> values) {
  eval::MetricOptions options;
  for (const auto& [key, value] : values) options.set(key, value);
  return options;
}

std::vector<RougeType> all_types() {
  return {RougeType::parse("rouge1"), RougeType::parse("rouge2"), RougeType::parse("rougeL"),
          RougeType::parse("rougeLsum")};
}

// {"rouge1_precision": ..., ...} with the "_stem" suffix when stemming: the peer's key names.
std::map<std::string, double> our_keys(const nlohmann::json& c) {
  std::map<std::string, double> keys;
  for (const bool stem : {false, true}) {
    const RougeScorer scorer(all_types(), stem);
    const std::vector<RougeTriple> scores =
        scorer.score_multi(case_references(c), c.at("candidate").get<std::string>());
    for (std::size_t k = 0; k < scores.size(); ++k) {
      const std::string base = scorer.types()[k].name;
      const std::string suffix = stem ? "_stem" : "";
      keys[base + "_precision" + suffix] = scores[k].precision;
      keys[base + "_recall" + suffix] = scores[k].recall;
      keys[base + "_fmeasure" + suffix] = scores[k].fmeasure;
    }
  }
  return keys;
}

TEST(Rouge, MatchesEveryPublicVector) {
  const auto cases = load_metric_cases();
  ASSERT_EQ(cases.size(), 256U);
  std::map<std::string, std::size_t> matched;
  std::size_t compared = 0;
  double max_diff = 0.0;
  for (const auto& c : cases) {
    const auto ours = our_keys(c);
    for (const auto& [key, value] : c.at("scores").at("rouge_score").items()) {
      ASSERT_TRUE(ours.count(key)) << "no such key of ours: " << key;
      const double expected = value.get<double>();
      const double diff = std::fabs(ours.at(key) - expected);
      max_diff = std::max(max_diff, diff);
      ++compared;
      if (diff <= kTolerance) {
        ++matched[key];
      } else {
        ADD_FAILURE() << c.at("id") << " " << key << ": rouge-score " << expected << ", ours "
                      << ours.at(key);
      }
    }
  }
  EXPECT_EQ(compared, 256U * 24U);
  for (const auto& [key, n] : matched) EXPECT_EQ(n, 256U) << key;
  RecordProperty("max_abs_diff", std::to_string(max_diff));
}

TEST(Rouge, MatchesCorpusMeansOfEverySubset) {
  const auto cases = load_metric_cases();
  std::map<std::string, std::map<std::string, double>> by_id;
  for (const auto& c : cases) by_id[c.at("id").get<std::string>()] = our_keys(c);
  std::ifstream in(metrics_dir() / "corpus.json");
  const nlohmann::json corpus = nlohmann::json::parse(in);
  std::size_t compared = 0;
  for (const auto& [subset, data] : corpus.at("subsets").items()) {
    const auto ids = data.at("ids").get<std::vector<std::string>>();
    for (const auto& [key, value] : data.at("rouge_score_mean").items()) {
      double sum = 0.0;
      for (const auto& id : ids) sum += by_id.at(id).at(key);
      EXPECT_NEAR(sum / static_cast<double>(ids.size()), value.get<double>(), kTolerance)
          << subset << " " << key;
      ++compared;
    }
  }
  EXPECT_EQ(compared, 5U * 8U);
}

TEST(Rouge, TokenizerFollowsPythonLowerAndAsciiAlphanumerics) {
  const RougeScorer plain({RougeType::parse("rouge1")}, false);
  const RougeScorer stemmed({RougeType::parse("rouge1")}, true);
  // Accents split words (the peer's README: soufflé -> souffl); U+0130 lowercases to "i" plus
  // a combining dot, U+212A (Kelvin) to "k".
  EXPECT_EQ(plain.tokenize("Souffl\xc3\xa9 d'\xc3\xa9t\xc3\xa9"),
            (std::vector<std::string>{"souffl", "d", "t"}));
  EXPECT_EQ(plain.tokenize("\xc4\xb0stanbul \xe2\x84\xaaILN"),
            (std::vector<std::string>{"i", "stanbul", "kiln"}));
  EXPECT_TRUE(plain.tokenize("\xe4\xb8\xad\xe6\x96\x87 \xf0\x9f\x98\x80").empty());
  // Only tokens longer than 3 characters are stemmed.
  EXPECT_EQ(stemmed.tokenize("Dies was running"), (std::vector<std::string>{"die", "was", "run"}));
  // Invalid UTF-8 neither crashes nor merges words.
  EXPECT_EQ(plain.tokenize("ab\xff\xfe"
                           "cd"),
            (std::vector<std::string>{"ab", "cd"}));
}

TEST(Rouge, LongTextsStayExactAndBounded) {
  // 10,000 words on one line: rougeLsum's full LCS table would be 10^8 cells; ours keeps two
  // bits per cell. An identical pair must still score exactly 1.
  std::string text;
  for (int i = 0; i < 10000; ++i) text += "w" + std::to_string(i % 997) + " ";
  const RougeScorer scorer(all_types(), false);
  for (const auto& t : scorer.score(text, text)) {
    EXPECT_DOUBLE_EQ(t.fmeasure, 1.0);
  }
}

TEST(Rouge, MultiReferenceKeepsTheFirstBestF) {
  // p0090/p0091 in the vectors check ties; here one reference is strictly better.
  const RougeScorer scorer({RougeType::parse("rouge1")}, false);
  const auto best = scorer.score_multi({"x y z", "a b c d", "a b"}, "a b");
  EXPECT_DOUBLE_EQ(best[0].fmeasure, 1.0);
  EXPECT_THROW(scorer.score_multi({}, "a"), Error);
}

TEST(Rouge, RejectsUnknownTypes) {
  EXPECT_THROW(RougeType::parse("rouge0"), UsageError);
  EXPECT_THROW(RougeType::parse("rougeX"), UsageError);
  EXPECT_THROW(RougeType::parse("rouge10"), UsageError);
  EXPECT_EQ(RougeType::parse("rouge9").n, 9);
}

TEST(Rouge, FactoryBuildsEachTypeWithItsSignature) {
  eval::MetricOptions options;
  options.set("stem", "yes");
  const auto metric = eval::make_text_metric("rougeLsum", options);
  EXPECT_EQ(metric->name(), "rougeLsum");
  EXPECT_EQ(metric->signature(),
            "type:rougeLsum|stem:yes|porter:nltk_extensions|split:newline|multiref:max_f|"
            "version:rouge_score-0.1.2");
  const auto score = metric->sentence("the cat sat\non the mat", {"the cat\nsat on a mat"});
  EXPECT_DOUBLE_EQ(score.score, score.parts.at("fmeasure"));
  EXPECT_EQ(eval::make_text_metric("rouge1")->signature(),
            "type:rouge1|stem:no|multiref:max_f|version:rouge_score-0.1.2");
  EXPECT_THROW(eval::make_text_metric("rouge2", options_of({{"stemm", "yes"}})), UsageError);
}

}  // namespace
}  // namespace reasonrec::test
