// NLTK 3.8 meteor_score against the peer's public vectors and a live NLTK on review pairs.
#include "eval/meteor.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <thread>

#include "eval/nltk_word_tokenizer.hpp"
#include "eval/text_metrics.hpp"
#include "nltk_reference.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using eval::Meteor;
using eval::MeteorMetric;
using eval::MeteorTokenizer;
using eval::WordNet;

// Far below the issue's 1e-4: the arithmetic follows NLTK operation by operation.
constexpr double kTolerance = 1e-9;

eval::MetricOptions options_of(std::initializer_list<std::pair<const char*, const char*>> values) {
  eval::MetricOptions options;
  for (const auto& [key, value] : values) options.set(key, value);
  return options;
}

std::shared_ptr<const WordNet> wordnet() {
  static const auto wn = WordNet::load();
  return wn;
}

double meteor_of(MeteorTokenizer tokenizer, const std::string& candidate,
                 const std::vector<std::string>& references) {
  const MeteorMetric metric(wordnet(), tokenizer);
  return metric.sentence(candidate, references).score;
}

TEST(Meteor, MatchesEveryPublicVector) {
  const auto cases = load_metric_cases();
  ASSERT_EQ(cases.size(), 256U);
  const std::vector<std::pair<std::string, MeteorTokenizer>> keys = {
      {"meteor_ws", MeteorTokenizer::Whitespace},
      {"meteor_wordtok_preserve_line", MeteorTokenizer::NltkWordTokenize}};
  double max_diff = 0.0;
  for (const auto& [key, tokenizer] : keys) {
    std::size_t matched = 0;
    for (const auto& c : cases) {
      const double expected = c.at("scores").at("nltk").at(key).get<double>();
      const double ours =
          meteor_of(tokenizer, c.at("candidate").get<std::string>(), case_references(c));
      max_diff = std::max(max_diff, std::fabs(ours - expected));
      if (std::fabs(ours - expected) <= kTolerance) {
        ++matched;
      } else {
        ADD_FAILURE() << c.at("id") << " " << key << ": NLTK " << expected << ", ours " << ours;
      }
    }
    EXPECT_EQ(matched, 256U) << key;
  }
  RecordProperty("max_abs_diff", std::to_string(max_diff));
}

// NLTK's own docstring example.
TEST(Meteor, NltkDocstringExample) {
  const Meteor meteor(wordnet());
  const std::vector<std::string> hypothesis1 = {
      "It",  "is",       "a",      "guide", "to",  "action",   "which", "ensures", "that",
      "the", "military", "always", "obeys", "the", "commands", "of",    "the",     "party"};
  const std::vector<std::string> reference1 = {
      "It",   "is",  "a",        "guide", "to",      "action", "that",  "ensures",
      "that", "the", "military", "will",  "forever", "heed",   "Party", "commands"};
  EXPECT_NEAR(meteor.score({reference1}, hypothesis1), 0.6944, 5e-5);
  EXPECT_EQ(meteor.score({{"this", "is", "a", "cat"}}, {"non", "matching", "hypothesis"}), 0.0);
  EXPECT_THROW(meteor.score({}, hypothesis1), Error);
}

// A few hundred pairs of real reviews, scored live by NLTK with both tokenizations: two
// reviews of the same item, a review against its own summary, and three-reference sets.
TEST(Meteor, MatchesLiveNltkOnReviewPairs) {
  const nlohmann::json rows = run_nltk(R"PY(
from collections import defaultdict
by_item = defaultdict(list)
all_reviews = reviews(sys.argv[2])
for item, text, summary in all_reviews:
    if 3 <= len(text.split()) <= 120:
        by_item[item].append((text, summary))
rng = random.Random(3)
items = sorted(i for i in by_item if len(by_item[i]) >= 4)
pairs = []
for item in rng.sample(items, 100):
    texts = rng.sample(by_item[item], 4)
    pairs.append((texts[0][0], [texts[1][0]]))
    pairs.append((texts[2][1], [texts[2][0]]))
    pairs.append((texts[3][0], [texts[0][0], texts[1][0], texts[2][0]]))
out = []
for cand, refs in pairs:
    ws = meteor_score([r.lower().split() for r in refs], cand.lower().split())
    wt = meteor_score([word_tokenize(r, preserve_line=True) for r in refs],
                      word_tokenize(cand, preserve_line=True))
    out.append({"candidate": cand, "references": refs, "ws": ws, "wt": wt})
print(json.dumps(out))
)PY");
  ASSERT_EQ(rows.size(), 300U);
  std::size_t wrong = 0;
  for (const auto& row : rows) {
    const auto candidate = row.at("candidate").get<std::string>();
    const auto references = row.at("references").get<std::vector<std::string>>();
    const double ws = meteor_of(MeteorTokenizer::Whitespace, candidate, references);
    const double wt = meteor_of(MeteorTokenizer::NltkWordTokenize, candidate, references);
    if (std::fabs(ws - row.at("ws").get<double>()) > kTolerance && ++wrong <= 10) {
      ADD_FAILURE() << "split: NLTK " << row.at("ws") << ", ours " << ws << "\n" << candidate;
    }
    if (std::fabs(wt - row.at("wt").get<double>()) > kTolerance && ++wrong <= 10) {
      ADD_FAILURE() << "word_tokenize: NLTK " << row.at("wt") << ", ours " << wt << "\n"
                    << candidate;
    }
  }
  EXPECT_EQ(wrong, 0U);
}

TEST(Meteor, SynonymsAreLookedUpOnStems) {
  // The peer's README: "automobile" stems to "automobil", which WordNet does not know.
  EXPECT_NEAR(meteor_of(MeteorTokenizer::Whitespace, "my automobile is quick", {"my car is quick"}),
              0.6389, 5e-5);
  EXPECT_NEAR(meteor_of(MeteorTokenizer::Whitespace, "my auto is quick", {"my car is quick"}),
              0.9921875, kTolerance);
  EXPECT_NEAR(meteor_of(MeteorTokenizer::Whitespace, "chair", {"chairs"}), 0.5, kTolerance);
}

TEST(Meteor, EdgeCasesNeverCrash) {
  EXPECT_EQ(meteor_of(MeteorTokenizer::NltkWordTokenize, "", {"a reference"}), 0.0);
  EXPECT_EQ(meteor_of(MeteorTokenizer::Whitespace, " \t ", {"a reference"}), 0.0);
  EXPECT_EQ(meteor_of(MeteorTokenizer::Whitespace, "words", {"\xe4\xb8\xad\xe6\x96\x87"}), 0.0);
  std::string long_text;
  for (int i = 0; i < 10000; ++i) long_text += "word" + std::to_string(i % 500) + " ";
  const double s = meteor_of(MeteorTokenizer::NltkWordTokenize, long_text, {long_text});
  EXPECT_GT(s, 0.999);
  EXPECT_LE(s, 1.0);
}

// The word memo must never change a score: not when it is full (every lookup computed
// afresh), and not when many threads share one metric.
TEST(Meteor, CacheAndThreadsNeverChangeScores) {
  const auto cases = load_metric_cases();
  std::vector<std::vector<std::string>> hypotheses;
  std::vector<std::vector<std::string>> references;
  for (const auto& c : cases) {
    hypotheses.push_back(eval::nltk_word_tokenize(c.at("candidate").get<std::string>()));
    references.push_back(eval::nltk_word_tokenize(case_references(c).front()));
  }
  const Meteor uncached(wordnet(), {}, 0);
  const Meteor shared(wordnet());
  std::vector<double> expected;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    expected.push_back(uncached.score({references[k]}, hypotheses[k]));
    ASSERT_EQ(expected.back(), shared.score({references[k]}, hypotheses[k])) << k;
  }
  std::vector<std::vector<double>> got(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (std::size_t k = 0; k < cases.size(); ++k) {
          const std::size_t n = (k * 7 + t * 13) % cases.size();  // a different order per thread
          const double s = shared.score({references[n]}, hypotheses[n]);
          if (s != expected[n]) got[t].push_back(static_cast<double>(n));
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& mismatches : got) EXPECT_TRUE(mismatches.empty());
}

TEST(Meteor, FactoryAndSignature) {
  const auto metric = eval::make_text_metric("meteor");
  EXPECT_EQ(metric->name(), "meteor");
  EXPECT_EQ(metric->signature(),
            "tok:nltk_word_tokenize_preserve_line|case:lc|stem:porter_nltk_extensions|"
            "syn:wordnet-3.0|alpha:0.9|beta:3|gamma:0.5|multiref:max|version:nltk-3.8");
  const auto split =
      eval::make_text_metric("meteor", options_of({{"tokenize", "split"}, {"gamma", "0"}}));
  EXPECT_NE(split->signature().find("tok:lower_split"), std::string::npos);
  EXPECT_THROW(eval::make_text_metric("meteor", options_of({{"tokenize", "x"}})), UsageError);
  EXPECT_THROW(eval::make_text_metric("meteor", options_of({{"wordnet", "/nonexistent"}})),
               InputError);
}

}  // namespace
}  // namespace reasonrec::test
