#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string_view>

#include "prompt/parse_rating.hpp"

namespace reasonrec::prompt {
namespace {

using F = ParseFailure;
using S = RatingSource;

struct Case {
  const char* name;
  const char* output;
  int rating;                       // 0: unparsed
  S source;                         // when parsed
  F failure;                        // when unparsed
  const char* reasoning = nullptr;  // checked when given
};

const std::string kReason = "The user loves light, fresh lotions and dislikes greasy creams.";

// Real model outputs collected from PaLM 2 / GPT / Llama / Mistral / Flan-T5 style answers to
// the paper's prompt, and adversarial variants of them.
const Case kCases[] = {
    // --- exactly the requested format ---------------------------------------------------------
    {"strict", "### Reason ###\nThe user loves light lotions.\n### Rating ###\n4", 4, S::Strict,
     F::None, "The user loves light lotions."},
    {"strict_crlf_trailing_newline", "### Reason ###\r\nLikes it.\r\n### Rating ###\r\n5\r\n", 5,
     S::Strict, F::None, "Likes it."},
    {"strict_rating_only_direct_mode", "### Rating ###\n2", 2, S::Strict, F::None, ""},
    {"strict_ratings_inside_reasoning",
     "### Reason ###\nThe user rated the lip balm 5 stars and the hand cream 3 stars; Rating: 5 "
     "for the lotion. A 4/5 seems fair?\n### Rating ###\n3",
     3, S::Strict, F::None, nullptr},
    {"strict_multiline_reasoning",
     "### Reason ###\nFirst, the user likes vanilla.\n\nSecond, they buy Bath & Body Works.\n### "
     "Rating ###\n5",
     5, S::Strict, F::None,
     "First, the user likes vanilla.\n\nSecond, they buy Bath & Body Works."},
    {"strict_leading_blank_lines", "  \n\n### Reason ###\nok\n### Rating ###\n1", 1, S::Strict,
     F::None, "ok"},
    // --- a Rating heading, loosely followed -----------------------------------------------------
    {"section_digit_with_period", "### Reason ###\nLikes it.\n### Rating ###\n4.", 4,
     S::RatingSection, F::None, "Likes it."},
    {"section_bold_digit", "### Reason ###\nLikes it.\n### Rating ###\n**4**", 4, S::RatingSection,
     F::None, nullptr},
    {"section_out_of_five", "### Reason ###\nLikes it.\n### Rating ###\n4/5", 4, S::RatingSection,
     F::None, nullptr},
    {"section_followed_by_chatter",
     "### Reason ###\nLikes it.\n### Rating ###\n4 stars\n\nI hope this helps! Let me know if "
     "you need 2 more examples.",
     4, S::RatingSection, F::None, "Likes it."},
    {"section_spelled_out", "### Reason ###\nLikes it.\n### Rating ###\nFour", 4, S::RatingSection,
     F::None, nullptr},
    {"section_markdown_h2", "## Reason\nThe user likes it.\n\n## Rating\n5", 5, S::RatingSection,
     F::None, "The user likes it."},
    {"section_bold_labels", "**Reason:**\nThe user likes it.\n\n**Rating:** 3", 3, S::RatingSection,
     F::None, "The user likes it."},
    {"section_bare_heading_lines", "Reasoning:\nThe user likes it.\nRating:\n2", 2,
     S::RatingSection, F::None, "The user likes it."},
    {"section_swapped_order", "### Rating ###\n4\n### Reason ###\nThe user likes vanilla.", 4,
     S::RatingSection, F::None, "The user likes vanilla."},
    {"section_inline_value", "### Reason ###\nok\n### Rating ### 5", 5, S::RatingSection, F::None,
     "ok"},
    {"section_bold_inline_label", "**Rating: 4**", 4, S::RatingSection, F::None, nullptr},
    {"section_bold_final_rating", "The user likes it.\n**Final Rating:** 3", 3, S::RatingSection,
     F::None, "The user likes it."},
    {"section_after_echoed_format",
     "Please follow the format below:\n### Reason ###\nWrite your reasoning explanation here. You "
     "can have line breaks.\n### Rating ###\nGive a single numerical rating, e.g. 1\n### Reason "
     "###\nThe user enjoys vanilla.\n### Rating ###\n5",
     5, S::RatingSection, F::None, "The user enjoys vanilla."},
    {"section_repeated_agreeing",
     "### Reason ###\nA\n### Rating ###\n4\n### Reason ###\nA\n### "
     "Rating ###\n4",
     4, S::RatingSection, F::None, nullptr},
    {"section_full_width_digit", "### Reason ###\nok\n### Rating ###\n\xEF\xBC\x94", 4,
     S::RatingSection, F::None, nullptr},
    {"section_arabic_indic_digit", "### Reason ###\nok\n### Rating ###\n\xD9\xA4", 4,
     S::RatingSection, F::None, nullptr},
    {"section_devanagari_digit", "### Reason ###\nok\n### Rating ###\n\xE0\xA5\xAA", 4,
     S::RatingSection, F::None, nullptr},
    {"section_star_glyphs",
     "### Reason ###\nok\n### Rating ###\n\xE2\x98\x85\xE2\x98\x85\xE2\x98\x85\xE2\x98\x85\xE2"
     "\x98\x86",
     4, S::RatingSection, F::None, nullptr},
    {"section_decimal_point_zero", "### Reason ###\nok\n### Rating ###\n4.0", 4, S::RatingSection,
     F::None, nullptr},
    // --- the Rating heading present but unusable ------------------------------------------------
    {"truncated_after_rating_heading", "### Reason ###\nThe user loves it.\n### Rating ###", 0,
     S::Unparsed, F::NoRating, "The user loves it.\n### Rating ###"},
    {"truncated_mid_reasoning",
     "### Reason ###\nThe user gave 5 stars to similar lotions and rated", 0, S::Unparsed,
     F::NoRating, "The user gave 5 stars to similar lotions and rated"},
    {"section_repeated_disagreeing",
     "### Reason ###\nA\n### Rating ###\n4\n### Reason ###\nB\n### Rating ###\n2", 0, S::Unparsed,
     F::Ambiguous},
    {"section_hyphen_range", "### Reason ###\nok\n### Rating ###\n4-5", 0, S::Unparsed, F::Range},
    {"section_between_range", "### Reason ###\nok\n### Rating ###\nBetween 3 and 4", 0, S::Unparsed,
     F::Range},
    {"section_or_range", "### Reason ###\nok\n### Rating ###\n3 or 4", 0, S::Unparsed, F::Range},
    {"section_en_dash_range",
     "### Reason ###\nok\n### Rating ###\n3\xE2\x80\x93"
     "4",
     0, S::Unparsed, F::Range},
    {"section_half_star", "### Reason ###\nok\n### Rating ###\n3.5", 0, S::Unparsed, F::NonInteger},
    {"section_zero", "### Reason ###\nok\n### Rating ###\n0", 0, S::Unparsed, F::OutOfRange},
    {"section_six", "### Reason ###\nok\n### Rating ###\n6", 0, S::Unparsed, F::OutOfRange},
    {"section_ten_point_scale", "### Reason ###\nok\n### Rating ###\n8/10", 0, S::Unparsed,
     F::OtherScale},
    {"section_not_applicable", "### Reason ###\nok\n### Rating ###\nN/A", 0, S::Unparsed,
     F::NoRating},
    {"section_statement_quoting_history",
     "### Reason ###\nok\n### Rating ###\nI would rate it 4 out of 5 (they gave 5 stars to a "
     "similar lotion).",
     0, S::Unparsed, F::Ambiguous},
    // --- "Rating: 4" lines ---------------------------------------------------------------------
    {"label_after_reasoning",
     "The user enjoys light scents and has rated similar lotions highly.\nRating: 4", 4, S::Labeled,
     F::None, "The user enjoys light scents and has rated similar lotions highly."},
    {"label_predicted", "Predicted rating: 5", 5, S::Labeled, F::None, ""},
    {"label_out_of_five", "Final rating: 3/5", 3, S::Labeled, F::None, nullptr},
    {"label_spelled_out", "Rating: four", 4, S::Labeled, F::None, nullptr},
    {"label_bullet", "- The user likes it.\n- Rating: 2", 2, S::Labeled, F::None, nullptr},
    {"label_with_stars", "Rating: 5 stars", 5, S::Labeled, F::None, nullptr},
    {"label_before_explanation",
     "Rating: 4\n\nExplanation: The user rated similar items 5 stars but dislikes strong scents.",
     4, S::Labeled, F::None, "The user rated similar items 5 stars but dislikes strong scents."},
    {"label_reason_label", "Reason: The user likes light creams.\nRating: 4", 4, S::Labeled,
     F::None, "The user likes light creams."},
    {"label_ignores_echoed_history",
     "Product Title: Lip Balm\nUser Rating: 5\nUser Review: Great\nBased on this, Rating: 2", 2,
     S::Labeled, F::None, nullptr},
    {"label_long_label", "Predicted rating for the new product: 2", 2, S::Labeled, F::None,
     nullptr},
    {"label_score_equals", "Score = 4", 4, S::Labeled, F::None, nullptr},
    {"label_answer", "Answer: 5", 5, S::Labeled, F::None, nullptr},
    {"label_full_width_colon_and_digit", "Rating\xEF\xBC\x9A\xEF\xBC\x94", 4, S::Labeled, F::None,
     nullptr},
    {"label_first_number_counts", "Rating: 4 (maybe 5 if the scent is strong)", 4, S::Labeled,
     F::None, nullptr},
    {"label_numbered_list_reasoning",
     "1. The user likes vanilla.\n2. The user dislikes greasy creams.\n\nPredicted rating: 3", 3,
     S::Labeled, F::None, "1. The user likes vanilla.\n2. The user dislikes greasy creams."},
    {"label_ratings_in_reasoning", "The user rated the lip balm 5 and the cream 3.\nRating: 4", 4,
     S::Labeled, F::None, nullptr},
    {"label_two_different", "Rating: 4\nRating: 5", 0, S::Unparsed, F::Ambiguous},
    {"label_out_of_range", "Rating: 10", 0, S::Unparsed, F::OutOfRange},
    {"label_negative", "Rating: -1", 0, S::Unparsed, F::OutOfRange},
    {"label_half", "Rating: 3.5", 0, S::Unparsed, F::NonInteger},
    {"label_range", "Rating: 4-5", 0, S::Unparsed, F::Range},
    {"label_decimal_out_of_five", "Rating: 4.5/5", 0, S::Unparsed, F::NonInteger},
    // --- the number alone on the last line ------------------------------------------------------
    {"bare_digit", "4", 4, S::FinalLine, F::None, ""},
    {"bare_digit_whitespace", "  5\n", 5, S::FinalLine, F::None, nullptr},
    {"final_line_bold", "The user seems to like the brand.\n\n**4**", 4, S::FinalLine, F::None,
     "The user seems to like the brand."},
    {"final_line_word", "Based on the history, the user will like it.\nFour.", 4, S::FinalLine,
     F::None, "Based on the history, the user will like it."},
    {"final_line_fraction", "4/5", 4, S::FinalLine, F::None, nullptr},
    {"final_line_parenthesised", "(4)", 4, S::FinalLine, F::None, nullptr},
    {"final_line_stars_word", "5 stars", 5, S::FinalLine, F::None, nullptr},
    {"number_then_star_emoji", "Overall: 4/5 \xE2\xAD\x90", 4, S::Stars, F::None, nullptr},
    {"lone_star_emoji_is_decoration", "Great pick for this user \xE2\xAD\x90", 0, S::Unparsed,
     F::NoRating},
    {"final_line_star_emoji", "\xE2\xAD\x90\xE2\xAD\x90\xE2\xAD\x90\xE2\xAD\x90", 4, S::FinalLine,
     F::None, nullptr},
    // --- the last sentence that states a rating --------------------------------------------------
    {"out_of_five_sentence",
     "Based on the user's love of vanilla scents, I would rate this product 4 out of 5.", 4,
     S::OutOfFive, F::None, nullptr},
    {"stars_after_history_stars",
     "The user gave 5 stars to two lotions and 2 stars to a perfume. I expect 4 stars for this "
     "cream.",
     4, S::Stars, F::None, nullptr},
    {"stars_out_of_five_stars", "The user is likely to rate the new product 5 out of 5 stars.", 5,
     S::Stars, F::None, nullptr},
    {"stars_without_period",
     "The user will probably rate this 2 out of 5 stars, since they disliked similar greasy "
     "creams",
     2, S::Stars, F::None, nullptr},
    {"phrase_give_it_a", "I would give it a 3.", 3, S::Phrase, F::None, nullptr},
    {"phrase_bold", "The user will probably give it a **2** given their dislike of greasy creams.",
     2, S::Phrase, F::None, nullptr},
    {"phrase_rating_of", "I think a rating of 2 is most likely.", 2, S::Phrase, F::None, nullptr},
    {"phrase_prediction_is", "My prediction is 3.", 3, S::Phrase, F::None, nullptr},
    {"phrase_final_answer", "So my final answer is 4", 4, S::Phrase, F::None, nullptr},
    {"phrase_scale_reference_ignored", "On a scale of 1 to 5, I would rate it 4.", 4, S::Phrase,
     F::None, nullptr},
    {"phrase_after_history_stars",
     "The user has given 5 stars to most products. However, this one is greasy. I predict 4.", 4,
     S::Phrase, F::None, nullptr},
    {"phrase_exclamation_then_more", "The user would rate it a 5! They love this brand.", 5,
     S::Phrase, F::None, nullptr},
    {"phrase_word", "Overall, I would rate it a four.", 4, S::Phrase, F::None, nullptr},
    {"emphasis_only", "This should land at **3** for this user, who is picky.", 3, S::Emphasis,
     F::None, nullptr},
    {"sentence_two_star_values",
     "They will likely rate it 4 stars, though they rated a similar one 2 stars.", 0, S::Unparsed,
     F::Ambiguous},
    {"sentence_half_out_of_five", "I'd rate it 4.5 out of 5.", 0, S::Unparsed, F::NonInteger},
    {"sentence_star_range", "I'd give it 3-4 stars.", 0, S::Unparsed, F::Range},
    {"sentence_or_range_stars", "I'd say 4 or 5 stars.", 0, S::Unparsed, F::Range},
    {"sentence_ten_point", "I would rate it 8/10.", 0, S::Unparsed, F::OtherScale},
    // --- a number at the very end ----------------------------------------------------------------
    {"trailing_after_comma", "Considering everything, 3", 3, S::TrailingNumber, F::None, nullptr},
    {"trailing_chinese",
     "\xE7\x94\xA8\xE6\x88\xB7\xE5\x96\x9C\xE6\xAC\xA2\xE9\xA6\x99\xE8\x8D\x89"
     "\xE3\x80\x82\n\xE8\xAF\x84\xE5\x88\x86\xEF\xBC\x9A\xEF\xBC\x94",
     4, S::TrailingNumber, F::None, nullptr},
    {"trailing_arabic", "\xD8\xA7\xD9\x84\xD8\xAA\xD9\x82\xD9\x8A\xD9\x8A\xD9\x85: \xD9\xA5", 5,
     S::TrailingNumber, F::None, nullptr},
    {"trailing_between_range", "The rating should be between 3 and 4.", 0, S::Unparsed, F::Range},
    // --- nothing that states a rating -----------------------------------------------------------
    {"empty", "", 0, S::Unparsed, F::EmptyOutput},
    {"whitespace_only", "   \n\t \n", 0, S::Unparsed, F::EmptyOutput},
    {"no_numbers", "I recommend this product.", 0, S::Unparsed, F::NoRating},
    {"year_at_end", "The user bought 2 bottles of this lotion in 2019", 0, S::Unparsed,
     F::NoRating},
    {"glued_digits", "SPF30 sunscreen, 4th purchase, B5 serum", 0, S::Unparsed, F::NoRating},
    {"prices", "The new product is priced at $25 and the user spent $30 on a similar cream.", 0,
     S::Unparsed, F::NoRating},
    {"price_label", "Price: $4.99, so it is affordable.", 0, S::Unparsed, F::NoRating},
    {"pronoun_one", "The user will rate this one highly.", 0, S::Unparsed, F::NoRating},
    {"pronoun_one_at_end", "This is a good one.", 0, S::Unparsed, F::NoRating},
    {"echoed_instruction", "Give a single numerical rating, e.g. 1", 0, S::Unparsed, F::NoRating},
    {"numbered_list_only", "1. The user likes vanilla.\n2. They dislike grease.", 0, S::Unparsed,
     F::NoRating},
    {"percentage", "There is a 80% chance they like it.", 0, S::Unparsed, F::NoRating},
};

// gtest prints the case's name instead of its bytes.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class ParseRatingTable : public ::testing::TestWithParam<Case> {};

TEST_P(ParseRatingTable, FindsTheRatingOrSaysWhyNot) {
  const Case& c = GetParam();
  const ParsedRating r = parse_rating(c.output);
  if (c.rating == 0) {
    EXPECT_FALSE(r.parsed()) << "rating " << *r.rating << " via " << source_name(r.source);
    EXPECT_EQ(r.source, RatingSource::Unparsed);
    EXPECT_EQ(failure_name(r.failure), failure_name(c.failure)) << r.detail;
    EXPECT_FALSE(r.detail.empty());
  } else {
    ASSERT_TRUE(r.parsed()) << failure_name(r.failure) << ": " << r.detail;
    EXPECT_EQ(*r.rating, c.rating);
    EXPECT_EQ(source_name(r.source), source_name(c.source));
    EXPECT_EQ(r.failure, ParseFailure::None);
  }
  if (c.reasoning != nullptr) {
    EXPECT_EQ(r.reasoning, c.reasoning);
  }
}

INSTANTIATE_TEST_SUITE_P(RealisticOutputs, ParseRatingTable, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// The table is the parser's specification: it must exercise every tier and every reason for
// giving up (each with a case the parser really resolves that way; ParseRatingTable checks
// each case), with distinct names and outputs, sixty cases at least.
TEST(ParseRating, TableCoversEveryTierAndEveryFailure) {
  EXPECT_GE(std::size(kCases), 60u);
  std::map<std::string_view, int> by_source, by_failure;
  std::set<std::string_view> names, outputs;
  for (const Case& c : kCases) {
    EXPECT_TRUE(names.insert(c.name).second) << "two cases named " << c.name;
    EXPECT_TRUE(outputs.insert(c.output).second) << c.name << " repeats another case's output";
    const ParsedRating r = parse_rating(c.output);
    if (c.rating == 0 && !r.parsed()) ++by_failure[failure_name(r.failure)];
    if (c.rating != 0 && r.parsed()) ++by_source[source_name(r.source)];
  }
  for (S source : {S::Strict, S::RatingSection, S::Labeled, S::FinalLine, S::OutOfFive, S::Stars,
                   S::Phrase, S::Emphasis, S::TrailingNumber}) {
    EXPECT_GE(by_source[source_name(source)], 1) << "no case for " << source_name(source);
  }
  for (F failure : {F::EmptyOutput, F::NoRating, F::OutOfRange, F::NonInteger, F::Range,
                    F::Ambiguous, F::OtherScale}) {
    EXPECT_GE(by_failure[failure_name(failure)], 1) << "no case for " << failure_name(failure);
  }
}

TEST(ParseRating, RejectedValuesAreKept) {
  EXPECT_EQ(parse_rating("Rating: 3.5").value, 3.5);
  EXPECT_EQ(parse_rating("### Rating ###\n7").value, 7.0);
  EXPECT_EQ(parse_rating("Rating: 8/10").value, 8.0);
  EXPECT_FALSE(parse_rating("Rating: 4\nRating: 5").value.has_value());
}

TEST(ParseRating, DetailsNameTheRatingsFound) {
  EXPECT_EQ(parse_rating("Rating: 4\nRating: 5").detail,
            "different ratings (4, 5) in 'Rating:' lines");
  EXPECT_EQ(parse_rating("### Rating ###\n3.5").detail,
            "non-integer rating 3.5 in the Rating section");
  EXPECT_EQ(parse_rating("I'd give it 3-4 stars.").detail,
            "a range (3-4), not one rating, in the last sentence stating a rating");
}

TEST(ParseRating, SpelledOutRatingsAreFlagged) {
  EXPECT_TRUE(parse_rating("Rating: four").spelled_out);
  EXPECT_FALSE(parse_rating("Rating: 4").spelled_out);
}

TEST(ParseRating, NamesAreStable) {
  EXPECT_EQ(source_name(RatingSource::RatingSection), "rating_section");
  EXPECT_EQ(source_name(RatingSource::TrailingNumber), "trailing_number");
  EXPECT_EQ(failure_name(ParseFailure::NonInteger), "non_integer");
  EXPECT_EQ(failure_name(ParseFailure::OtherScale), "other_scale");
}

TEST(ParseRating, NeverThrowsOnArbitraryBytes) {
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += static_cast<char>((i * 7919) % 256);
  for (std::size_t len : {1u, 2u, 3u, 17u, 255u, 4096u}) {
    EXPECT_NO_THROW(parse_rating(std::string_view(junk).substr(0, len)));
  }
  EXPECT_NO_THROW(parse_rating("### Rating ###\n\xEF\xBC"));  // truncated UTF-8 digit
  EXPECT_NO_THROW(parse_rating("4 out of"));
  EXPECT_NO_THROW(parse_rating("between 3 and"));
}

}  // namespace
}  // namespace reasonrec::prompt
