#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace reasonrec::prompt {

// One number in a model's output that might state a rating, with the context around it that
// decides whether it does. The building block of the rating parser (parse_rating.hpp).
struct RatingMention {
  std::size_t begin = 0;        // first byte of the number
  std::size_t end = 0;          // past the number (past the second number of a range)
  std::size_t context_end = 0;  // past any "/5", "out of 5", "stars", closing "**"
  double value = 0;
  bool word = false;                 // spelled out: "four"
  std::optional<double> range_high;  // "4-5", "3 or 4", "between 3 and 4": value..range_high
  std::optional<double> scale;       // "/5", "out of 5", or the glyph count of "★★★☆☆"
  bool stars = false;                // "4 stars", "4-star", "★★★★☆"
  bool emphasis = false;             // "**4**", "*4*", "__4__"
  bool phrase = false;               // "rate it a 4", "rating of 4", "rating is 4", ...
  // Not a rating whatever the tier: a price, a percentage, "e.g. 1", a list number, a scale
  // ("1 to 5", the 5 of "out of 5"), a spelled-out number inside a sentence ("this one is").
  bool ignored = false;

  bool has_context() const { return scale.has_value() || stars || emphasis || phrase; }
};

// Every number in `text`, in order: ASCII digits, decimals ("3.5"), the decimal digits of
// full-width, Arabic-Indic, Extended Arabic-Indic, Devanagari and Bengali script, English
// number words zero..ten, and runs of star glyphs. Digits glued to letters ("B5", "4th",
// "SPF30") are not numbers.
std::vector<RatingMention> scan_rating_mentions(std::string_view text);

}  // namespace reasonrec::prompt
