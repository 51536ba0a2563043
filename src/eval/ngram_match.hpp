#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace reasonrec::eval {

// A candidate and its references as dense symbol ids (words or code points): the candidate's
// distinct symbols are 0..symbols-1, and a reference symbol the candidate lacks is kAbsent
// (no n-gram containing it can match).
struct SymbolSequences {
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFEu;
  std::vector<std::uint32_t> candidate;
  std::vector<std::vector<std::uint32_t>> references;
  std::uint32_t symbols = 0;
};

// Word tokens compared by exact bytes.
SymbolSequences word_symbols(const std::vector<std::string_view>& candidate,
                             const std::vector<std::vector<std::string_view>>& references);
// Code points of UTF-8 texts (invalid bytes count as one each), optionally dropping every
// whitespace code point (Python's str.isspace()).
SymbolSequences char_symbols(std::string_view candidate,
                             const std::vector<std::string_view>& references, bool keep_whitespace);

// How n-grams are compared. `automatic` packs each n-gram's symbol ids into one 64- or 128-bit
// key (exact; the normal case) and falls back to `id_chains` (ids built order by order from
// (prefix id, last symbol) pairs) when the n-grams are too long for that. Both give the same
// counts; the choice exists so that tests can check the fallback.
enum class NgramStrategy { automatic, id_chains };

// BLEU's modified precision counts: for each order n (index n-1), `matches` is the sum over
// the candidate's distinct n-grams of min(count in the candidate, largest count in any one
// reference) and `totals` the number of candidate n-grams, max(0, length - n + 1).
struct ClippedCounts {
  std::vector<std::int64_t> matches;
  std::vector<std::int64_t> totals;
};
ClippedCounts clipped_counts(const SymbolSequences& symbols, std::size_t max_order,
                             NgramStrategy strategy = NgramStrategy::automatic);
// The same over word tokens.
ClippedCounts clipped_ngram_counts(const std::vector<std::string_view>& candidate,
                                   const std::vector<std::vector<std::string_view>>& references,
                                   std::size_t max_order);

// chrF's statistics of one order against one reference.
struct OrderMatch {
  std::int64_t candidate = 0;  // candidate n-grams
  std::int64_t reference = 0;  // reference n-grams
  std::int64_t matches = 0;    // sum over n-grams of min(candidate count, reference count)
};
// result[r][n-1]: reference r, order n.
std::vector<std::vector<OrderMatch>> matches_per_reference(
    const SymbolSequences& symbols, std::size_t max_order,
    NgramStrategy strategy = NgramStrategy::automatic);

}  // namespace reasonrec::eval
