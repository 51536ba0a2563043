#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reasonrec::prompt {

// How a rating was found, strongest evidence first. The parser tries the tiers in this
// order and the first that finds anything decides (docs/prompts.md, "Parsing").
enum class RatingSource {
  Strict,          // exactly "### Reason ###\n...\n### Rating ###\n4" (or just the Rating part)
  RatingSection,   // a Rating heading ("### Rating ###", "**Rating:**", "Rating" alone)
  Labeled,         // a "Rating: 4" / "Final score = 4" line
  FinalLine,       // the last line is the number alone ("4", "**4.**", "Four")
  OutOfFive,       // "4/5", "4 out of 5" in the last sentence stating a rating
  Stars,           // "4 stars", "4-star", "★★★★☆"
  Phrase,          // "I would rate it a 4", "a rating of 4"
  Emphasis,        // "**4**"
  TrailingNumber,  // the output ends with a number ("... so I predict 4")
  Unparsed,
};

// Why an output has no rating.
enum class ParseFailure {
  None,
  EmptyOutput,
  NoRating,    // nothing that states a rating (e.g. output truncated before it)
  OutOfRange,  // "Rating: 0", "6 stars"
  NonInteger,  // "3.5": unparsed by policy, the value is kept
  Range,       // "4-5", "between 3 and 4", "3 or 4"
  Ambiguous,   // two different ratings with the same strength of evidence
  OtherScale,  // "8/10"
};

struct ParsedRating {
  std::optional<int> rating;    // 1..5 when parsed
  std::optional<double> value;  // the number found, also when rejected (3.5, 7, 8 of 8/10)
  RatingSource source = RatingSource::Unparsed;
  ParseFailure failure = ParseFailure::None;
  std::string detail;        // for unparsed outputs: why, in words
  std::string reasoning;     // the reasoning text without headings and the rating statement
  bool spelled_out = false;  // the rating was a word ("four")

  bool parsed() const { return rating.has_value(); }
};

// Reads the reasoning and the 1..5 rating from a model's output. Never throws.
ParsedRating parse_rating(std::string_view output);

// Names as written to predictions.jsonl: "strict", "rating_section", ..., "unparsed";
// "none", "empty_output", "no_rating", ....
std::string_view source_name(RatingSource source);
std::string_view failure_name(ParseFailure failure);

}  // namespace reasonrec::prompt
