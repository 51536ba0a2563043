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
  // What the lookups return for a token or n-gram that has no id.
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFEu;

  // Sizes the tables for about this many distinct words and (prefix, last) pairs; they grow
  // when needed.
  // Ids start at `first_id`.
  NgramIds(std::size_t expected_words, std::size_t expected_pairs, std::uint32_t first_id = 0);

  // Id of a word token.
  std::uint32_t word(std::string_view token);
  // Id of the n-gram `prefix` followed by the token/symbol `last`; pass kNoPrefix and a
  // code point (or any 32-bit symbol) to get a unigram id for symbols that are not words.
  std::uint32_t extend(std::uint32_t prefix, std::uint32_t last);

  // The id if the word / n-gram already has one, else kAbsent (and kAbsent for any n-gram
  // whose prefix is kAbsent). References are looked up this way: an n-gram the candidate
  // lacks can never match, so it needs no id.
  std::uint32_t find_word(std::string_view token) const;
  std::uint32_t find(std::uint32_t prefix, std::uint32_t last) const;

  // Ids handed out so far (they are 0..size()-1).
  std::uint32_t size() const { return next_id_; }

 private:
  // id_plus1 == 0 marks an empty slot, so that fresh tables are plain zeroed memory.
  struct WordSlot {
    const char* data = nullptr;
    std::uint32_t length = 0;
    std::uint32_t id_plus1 = 0;
    std::uint64_t hash = 0;
  };
  struct PairSlot {
    std::uint64_t key = 0;
    std::uint32_t id_plus1 = 0;
  };

  void grow_words();
  void grow_pairs();

  std::vector<WordSlot> words_;
  std::vector<PairSlot> pairs_;
  std::size_t word_count_ = 0;
  std::size_t pair_count_ = 0;
  std::uint32_t next_id_ = 0;
};

// The ids of every n-gram of `unigrams` (word or symbol ids) for n = 1..max_order, appended
// to `out` order after order; offsets[n-1]..offsets[n] delimit order n (offsets gets
// max_order + 1 entries). With `insert` false, n-grams without an id get kAbsent instead.
void append_ngram_ids(NgramIds& ids, const std::uint32_t* unigrams, std::size_t count,
                      std::size_t max_order, bool insert, std::vector<std::uint32_t>& out,
                      std::vector<std::size_t>& offsets);

}  // namespace reasonrec::eval
