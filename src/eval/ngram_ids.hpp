#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace reasonrec::eval {

// Gives exact, dense ids to tokens and to n-grams, so that metrics count n-grams with
// integer arrays instead of hashing tuples of strings. An n-gram's id is derived from the
// id of its (n-1)-gram prefix and its last token, so two n-grams share an id exactly when
// they are equal. One instance serves one candidate and its references (ids are only
// comparable within an instance); it borrows the token text, which must outlive it.
class NgramIds {
 public:
  static constexpr std::uint32_t kNoPrefix = 0xFFFFFFFFu;

  explicit NgramIds(std::size_t expected_items = 64);

  // Id of a word token.
  std::uint32_t word(std::string_view token);
  // Id of the n-gram `prefix` followed by the token/symbol `last`; pass kNoPrefix and a
  // code point (or any 32-bit symbol) to get a unigram id for symbols that are not words.
  std::uint32_t extend(std::uint32_t prefix, std::uint32_t last);

  // Ids handed out so far (they are 0..size()-1).
  std::uint32_t size() const { return next_id_; }

 private:
  struct WordSlot {
    std::string_view text;
    std::uint64_t hash = 0;
    std::uint32_t id = kNoPrefix;
  };
  struct PairSlot {
    std::uint64_t key = 0;
    std::uint32_t id = kNoPrefix;
  };

  void grow_words();
  void grow_pairs();

  std::vector<WordSlot> words_;
  std::vector<PairSlot> pairs_;
  std::size_t word_count_ = 0;
  std::size_t pair_count_ = 0;
  std::uint32_t next_id_ = 0;
};

// Modified n-gram precision counts of a candidate against its references, as BLEU uses them:
// for each order n (index n-1), `matches` is the sum over the candidate's distinct n-grams of
// min(count in the candidate, largest count in any one reference), and `totals` is the
// number of candidate n-grams, max(0, length - n + 1).
struct ClippedCounts {
  std::vector<std::int64_t> matches;
  std::vector<std::int64_t> totals;
};
ClippedCounts clipped_ngram_counts(const std::vector<std::string_view>& candidate,
                                   const std::vector<std::vector<std::string_view>>& references,
                                   std::size_t max_order);

// For each order n = 1..max_order, the ids of the n-grams of `tokens` (already word ids or
// symbol ids) in order of position: out[n-1] has max(0, size - n + 1) entries.
void ngram_sequences(NgramIds& ids, const std::vector<std::uint32_t>& unigrams,
                     std::size_t max_order, std::vector<std::vector<std::uint32_t>>& out);

}  // namespace reasonrec::eval
