// The scrub's rule sets on a hand-labelled table of sentences, the rule file format and its
// errors, and the scrub of whole explanations.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "recsaver/scrub.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::recsaver {
namespace {

// A sentence, the paper rule that removes it and the strict rule that removes it ("" = kept).
struct Labelled {
  const char* sentence;
  const char* paper;
  const char* strict;
};

const std::vector<Labelled> kTable = {
    {"The user gave it a rating of 5.", "a-rating-of", "a-rating-of"},
    {"I think this deserves five stars.", "stars", "stars"},
    {"It scores highly on hydration.", "scores", "scores"},
    {"The user loves lightweight moisturisers.", "", ""},
    {"This is a 5-star product for her.", "", "number-star"},
    {"A five-star experience overall.", "", "number-star"},
    {"She would rate it 4 out of 5.", "", "rating-word-number"},
    {"Overall, 4/5.", "", "slash-scale"},
    {"\xE2\x98\x85\xE2\x98\x85\xE2\x98\x85\xE2\x98\x85\xE2\x98\x86", "", "star-glyphs"},  // ★★★★☆
    {"The user rated it highly.", "", "rated-it"},
    {"The user's history scores are consistently high.", "scores", "scores"},
    {"Stars aligned for this purchase.", "stars", "stars"},
    {"The product has a starry design.", "", ""},
    {"She scored the previous serum a 2.", "", "rating-word-number"},
    {"It is an excellent value at $12.99.", "", ""},
    {"The price of 4.5 dollars is fair.", "", ""},
    {"He gave it a 3 because the scent faded.", "", "gave-it-number"},
    {"She gives this cream a five.", "", "gave-it-number"},
    {"The highest rating is justified by her loyalty to the brand.", "", "qualified-rating"},
    {"A perfect score for a perfect match.", "", "qualified-rating"},
    {"This product deserves full marks.", "", "qualified-rating"},
    {"She will likely give a low rating.", "", "qualified-rating"},
    {"The user prefers fragrance-free products.", "", ""},
    {"Ten out of ten would buy again.", "", "out-of"},
    {"The moisturiser is rated 4.5 on average.", "", "rating-word-number"},
    {"Rating: 5", "", "rating-word-number"},
    {"Her rating would be four.", "", "rating-word-number"},
    {"The user bought 3 similar shampoos.", "", ""},
    {"She has reviewed five products from this brand.", "", ""},
    {"This brand consistently earns top scores from her.", "scores", "scores"},
    {"Mid-range stars of the skincare world.", "stars", "stars"},
    {"The user is a star customer.", "", ""},
    {"It fits her routine, scoring well on texture.", "", ""},
    {"On a scale of 1 to 5, this is a 4.", "", "scale"},
    {"The user would give it 2 stars.", "stars", "stars"},
    {"I'd give this a solid 4.", "", "gave-it-number"},
    {"4 stars.", "stars", "stars"},
    {"Two-star territory for the fragrance.", "", "number-star"},
    {"She'd rate this item a 3.", "", "rating-word-number"},
    {"This aligns with her 5-point scale.", "", "number-rating-word"},
    {"The user has given 4 ratings of 5 before.", "", "number-rating-word"},
    {"The product\xE2\x80\x99s reviews mention gentle exfoliation.", "", ""},
    {"Overall sentiment: positive.", "", ""},
    {"It earns a positive rating from her.", "", "qualified-rating"},
    {"The user tends to award 10/10 to premium brands.", "", "slash-scale"},
    {"Bought on 3/5/2020, reordered since.", "", ""},
    {"A 50/50 chance she likes the scent.", "", ""},
    {"Gold star for packaging.", "", ""},
    {"The reviews praise the scent.", "", ""},
    {"She loved the Olay Regenerist line.", "", ""},
    {"Her score for similar items averaged 4.2.", "", "rating-word-number"},
    {"SCORES for this line have been mixed.", "scores", "scores"},
    {"This is consistent with A RATING OF 2.", "a-rating-of", "a-rating-of"},
    {"A rating-of-five product.", "", "rating-word-number"},
    {"The user loves stars-and-moons packaging.", "stars", "stars"},
    {"Superstars of skincare are her favourites.", "", ""},
    {"She gave the serum 5 stars.", "stars", "stars"},
    // A known miss of both sets: no rating word, no scale.
    {"It gets a 4 from me.", "", ""},
    {"Her rating is likely high given her history.", "", ""},
    {"Expect an average score.", "", "qualified-rating"},
    {"\xE2\xAD\x90\xE2\xAD\x90\xE2\xAD\x90\xE2\xAD\x90\xE2\xAD\x90 all the way.", "",
     "star-glyphs"},  // ⭐⭐⭐⭐⭐
    {"She rated it 5.", "", "rating-word-number"},
    {"Rated it highly, as before.", "", "rated-it"},
    {"It was rated highly by the user.", "", ""},
    {"In short, a rating of three is warranted.", "a-rating-of", "a-rating-of"},
    {"The user prefers brands such as CeraVe and La Roche-Posay.", "", ""},
    {"She is loyal to the brand, having bought 4 of its products.", "", ""},
    {"The cream scores 9 on her personal scale.", "scores", "scores"},
    {"The item earns three and a half stars.", "stars", "stars"},
    {"Half-star deductions are unlikely.", "", "number-star"},
    {"This is a solid four out of five.", "", "out-of"},
    {"The review count is 1,234.", "", ""},
    {"She mentioned scoring a great deal on the price.", "", ""},
    {"The user gave similar products high marks.", "", "qualified-rating"},
    {"Between 3 and 4 stars is plausible.", "stars", "stars"},
    {"The rating is 3.", "", "rating-word-number"},
    {"Her ratings range from 1 to 5.", "", "rating-word-number"},
    {"She shops for anti-ageing serums.", "", ""},
    {"She prefers products under $20.", "", ""},
    {"The user writes detailed reviews.", "", ""},
    {"It would earn 5 points from her.", "", "number-rating-word"},
    {"A 3 rating seems right.", "", "number-rating-word"},
    {"Scores of happy customers agree.", "scores", "scores"},
    {"The fragrance is a star ingredient.", "", ""},
    {"Out of all her purchases, this one is the cheapest.", "", ""},
    {"The user rates value over luxury.", "", ""},
    {"She rated the new product a 2.", "", "rating-word-number"},
    {"The stars of her routine are serums.", "stars", "stars"},
    {"A rating of\nfour is likely.", "a-rating-of", "a-rating-of"},
};

std::string rule_name(const ScrubRule* rule) {
  return rule ? rule->name : "";
}

TEST(ScrubRules, HandLabelledTable) {
  ASSERT_GE(kTable.size(), 80u);
  const RuleSet paper = RuleSet::builtin("paper");
  const RuleSet strict = RuleSet::builtin("strict");
  for (const auto& row : kTable) {
    EXPECT_EQ(rule_name(paper.match(row.sentence)), row.paper) << row.sentence;
    EXPECT_EQ(rule_name(strict.match(row.sentence)), row.strict) << row.sentence;
  }
}

TEST(ScrubRules, StrictRemovesEverythingThePaperSetRemoves) {
  const RuleSet paper = RuleSet::builtin("paper");
  const RuleSet strict = RuleSet::builtin("strict");
  for (const auto& row : kTable) {
    if (paper.match(row.sentence)) {
      EXPECT_NE(strict.match(row.sentence), nullptr) << row.sentence;
    }
  }
}

TEST(ScrubRules, BuiltInSetsAreFilesUsersCanEdit) {
  const RuleSet paper = RuleSet::builtin("paper");
  EXPECT_EQ(paper.name(), "paper");
  ASSERT_EQ(paper.rules().size(), 3u);
  EXPECT_EQ(paper.rules()[0].phrase, "a rating of");
  EXPECT_EQ(paper.sha256().size(), 64u);
  // The printed file parses to the same rules.
  const RuleSet again = RuleSet::parse(builtin_rules_toml("strict"), "copy.toml");
  EXPECT_EQ(again.rules().size(), RuleSet::builtin("strict").rules().size());
  EXPECT_EQ(again.sha256(), RuleSet::builtin("strict").sha256());
  EXPECT_THROW(RuleSet::builtin("lenient"), UsageError);
}

TEST(ScrubRules, CustomRuleFile) {
  const auto dir = test::scratch_dir();
  const auto path = dir / "rules.toml";
  std::ofstream(path) << "name = \"mine\"\n"
                         "[[rule]]\nname = \"verdict\"\nphrase = \"the verdict\"\n"
                         "[[rule]]\nname = \"digits\"\npattern = '\\d+\\s*/\\s*\\d+'\n";
  const RuleSet set = RuleSet::resolve(path.string());
  EXPECT_EQ(set.name(), "mine");
  EXPECT_EQ(rule_name(set.match("THE   Verdict is clear.")), "verdict");
  EXPECT_EQ(rule_name(set.match("the verdicts")), "");  // whole words only
  EXPECT_EQ(rule_name(set.match("Around 7 / 10 overall.")), "digits");
  EXPECT_EQ(rule_name(set.match("She gave it a rating of 5.")), "");
}

// The message of the InputError that parsing `toml` throws.
std::string parse_error(const std::string& toml) {
  try {
    RuleSet::parse(toml, "bad.toml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ScrubRules, BadRuleFilesAreClearErrors) {
  EXPECT_NE(parse_error("name = \"x\"\n[[rule]\n").find("bad.toml:2"), std::string::npos);
  EXPECT_NE(parse_error("[[rule]]\nname = \"a\"\nphrase = \"b\"\n").find("needs a name"),
            std::string::npos);
  EXPECT_NE(parse_error("name = \"x\"\n").find("no [[rule]]"), std::string::npos);
  EXPECT_NE(parse_error("name = \"x\"\nrules = 1\n").find("unknown key 'rules'"),
            std::string::npos);
  const std::string both =
      parse_error("name = \"x\"\n[[rule]]\nname = \"a\"\nphrase = \"b\"\npattern = \"c\"\n");
  EXPECT_NE(both.find("bad.toml:2: rule 1 ('a') needs exactly one of phrase and pattern"),
            std::string::npos)
      << both;
  EXPECT_NE(parse_error("name = \"x\"\n[[rule]]\nname = \"a\"\n").find("exactly one"),
            std::string::npos);
  const std::string dup = parse_error(
      "name = \"x\"\n[[rule]]\nname = \"a\"\nphrase = \"b\"\n[[rule]]\nname = \"a\"\nphrase = "
      "\"c\"\n");
  EXPECT_NE(dup.find("bad.toml:5: rule 2 ('a'): another rule has the same name"), std::string::npos)
      << dup;
  const std::string regex =
      parse_error("name = \"x\"\n[[rule]]\nname = \"a\"\npattern = \"(unclosed\"\n");
  EXPECT_NE(regex.find("bad.toml:2: rule 1 ('a'): pattern does not compile at offset 9"),
            std::string::npos)
      << regex;
  EXPECT_NE(parse_error("name = \"x\"\n[[rule]]\nname = \"a\"\nphrase = 3\n")
                .find("'phrase' must be a string"),
            std::string::npos);
  EXPECT_NE(parse_error("name = \"x\"\n[[rule]]\nname = \"a\"\nphrase = \"b\"\nweight = \"2\"\n")
                .find("unknown key 'weight'"),
            std::string::npos);
  EXPECT_THROW(RuleSet::resolve("/nonexistent/rules.toml"), InputError);
}

TEST(Scrub, RemovedSentencesAreKeptWithTheirRule) {
  const RuleSet paper = RuleSet::builtin("paper");
  const std::string text =
      "The user loves rich creams. She would give it five stars.\n\n- Hydrating formula\n- A "
      "rating of 5 fits\n- Affordable";
  const ScrubResult r = scrub(text, paper);
  EXPECT_EQ(r.sentences, 5u);
  ASSERT_EQ(r.removed.size(), 2u);
  EXPECT_EQ(r.removed[0].sentence, "She would give it five stars.");
  EXPECT_EQ(r.removed[0].rule, "stars");
  EXPECT_EQ(r.removed[1].sentence, "- A rating of 5 fits");
  EXPECT_EQ(r.removed[1].rule, "a-rating-of");
  // The paragraph break and the list survive.
  EXPECT_EQ(r.text, "The user loves rich creams.\n\n- Hydrating formula\n- Affordable");
  EXPECT_FALSE(r.empty());
}

TEST(Scrub, AnExplanationCanBeLeftEmpty) {
  const ScrubResult r = scrub("Five stars. It scores well.", RuleSet::builtin("paper"));
  EXPECT_TRUE(r.empty());
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.removed.size(), 2u);
  EXPECT_EQ(r.sentences, 2u);
  const ScrubResult none = scrub("", RuleSet::builtin("paper"));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(none.sentences, 0u);
}

TEST(Scrub, StrictCatchesWhatThePaperMisses) {
  const std::string text = "She loves serums. I would rate it 4/5. It is a five-star buy.";
  EXPECT_EQ(scrub(text, RuleSet::builtin("paper")).text, text);
  const ScrubResult strict = scrub(text, RuleSet::builtin("strict"));
  EXPECT_EQ(strict.text, "She loves serums.");
  ASSERT_EQ(strict.removed.size(), 2u);
  EXPECT_EQ(strict.removed[0].rule, "rating-word-number");
  EXPECT_EQ(strict.removed[1].rule, "number-star");
}

TEST(Scrub, InvalidUtf8IsMatchedNotRejected) {
  const std::string text = "Bad \xFF byte here. Five stars \xC3 indeed.";
  const ScrubResult r = scrub(text, RuleSet::builtin("paper"));
  ASSERT_EQ(r.removed.size(), 1u);
  EXPECT_EQ(r.removed[0].rule, "stars");
  EXPECT_EQ(r.text, "Bad \xFF byte here.");
}

}  // namespace
}  // namespace reasonrec::recsaver
