#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reasonrec::engine {

// What HF's SplitDelimiterBehavior does with the matched delimiters.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

SplitBehavior parse_split_behavior(std::string_view name);  // throws Error

// Cuts `text` at the non-overlapping `matches` ([begin, end) byte ranges, ascending) and
// appends the non-empty pieces to `out`. `invert` swaps matches and the text between them.
void split_at(std::string_view text,
              const std::vector<std::pair<std::size_t, std::size_t>>& matches,
              SplitBehavior behavior, bool invert, std::vector<std::string>& out);

}  // namespace reasonrec::engine
