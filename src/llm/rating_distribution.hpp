#pragma once

#include <array>
#include <optional>
#include <vector>

#include "llm/types.hpp"

namespace reasonrec::llm {

// P(rating = 1..5) read from the log-probabilities at the position where the output wrote
// its rating: the last generated token that is the digit `rating` (surrounding whitespace
// and '*' ignored). The alternatives there that are digits 1..5 (" 4" and "4" alike) are
// exponentiated, summed per digit and normalised over the five; digits missing from the top
// alternatives get 0. Nothing when no such token exists or it has no alternatives.
std::optional<std::array<double, 5>> rating_distribution(const std::vector<TokenLogprob>& tokens,
                                                         int rating);

// Sum of k * P(k).
double expected_rating(const std::array<double, 5>& probabilities);

}  // namespace reasonrec::llm
