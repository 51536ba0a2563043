#include "eval/ngram_ids.hpp"

#include <algorithm>
#include <bit>
#include <functional>

namespace reasonrec::eval {

namespace {

std::uint64_t mix(std::uint64_t x) {
  // splitmix64's finaliser: spreads pair keys over the table.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::size_t table_size_for(std::size_t items) {
  return std::bit_ceil(std::max<std::size_t>(16, items * 2));
}

}  // namespace

NgramIds::NgramIds(std::size_t expected_items)
    : words_(table_size_for(expected_items)), pairs_(table_size_for(expected_items)) {}

std::uint32_t NgramIds::word(std::string_view token) {
  const std::uint64_t h = std::hash<std::string_view>{}(token);
  const std::size_t mask = words_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    WordSlot& slot = words_[i];
    if (slot.id == kNoPrefix) {
      slot = {token, h, next_id_++};
      if (++word_count_ * 2 > words_.size()) {
        const std::uint32_t id = slot.id;
        grow_words();
        return id;
      }
      return slot.id;
    }
    if (slot.hash == h && slot.text == token) return slot.id;
  }
}

std::uint32_t NgramIds::extend(std::uint32_t prefix, std::uint32_t last) {
  const std::uint64_t key = (static_cast<std::uint64_t>(prefix) << 32) | last;
  const std::size_t mask = pairs_.size() - 1;
  for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    PairSlot& slot = pairs_[i];
    if (slot.id == kNoPrefix) {
      slot = {key, next_id_++};
      if (++pair_count_ * 2 > pairs_.size()) {
        const std::uint32_t id = slot.id;
        grow_pairs();
        return id;
      }
      return slot.id;
    }
    if (slot.key == key) return slot.id;
  }
}

void NgramIds::grow_words() {
  std::vector<WordSlot> old(words_.size() * 2);
  old.swap(words_);
  const std::size_t mask = words_.size() - 1;
  for (const WordSlot& slot : old) {
    if (slot.id == kNoPrefix) continue;
    std::size_t i = slot.hash & mask;
    while (words_[i].id != kNoPrefix) i = (i + 1) & mask;
    words_[i] = slot;
  }
}

void NgramIds::grow_pairs() {
  std::vector<PairSlot> old(pairs_.size() * 2);
  old.swap(pairs_);
  const std::size_t mask = pairs_.size() - 1;
  for (const PairSlot& slot : old) {
    if (slot.id == kNoPrefix) continue;
    std::size_t i = mix(slot.key) & mask;
    while (pairs_[i].id != kNoPrefix) i = (i + 1) & mask;
    pairs_[i] = slot;
  }
}

void ngram_sequences(NgramIds& ids, const std::vector<std::uint32_t>& unigrams,
                     std::size_t max_order, std::vector<std::vector<std::uint32_t>>& out) {
  out.resize(max_order);
  if (max_order == 0) return;
  out[0] = unigrams;
  for (std::size_t n = 2; n <= max_order; ++n) {
    const auto& prev = out[n - 2];
    auto& cur = out[n - 1];
    cur.clear();
    if (unigrams.size() < n) continue;
    cur.reserve(unigrams.size() - n + 1);
    for (std::size_t i = 0; i + n <= unigrams.size(); ++i) {
      cur.push_back(ids.extend(prev[i], unigrams[i + n - 1]));
    }
  }
}

ClippedCounts clipped_ngram_counts(const std::vector<std::string_view>& candidate,
                                   const std::vector<std::vector<std::string_view>>& references,
                                   std::size_t max_order) {
  std::size_t items = candidate.size();
  for (const auto& ref : references) items += ref.size();
  NgramIds ids(items * std::max<std::size_t>(1, max_order));

  std::vector<std::uint32_t> unigrams;
  auto sequences_of = [&](const std::vector<std::string_view>& tokens) {
    unigrams.clear();
    unigrams.reserve(tokens.size());
    for (std::string_view t : tokens) unigrams.push_back(ids.word(t));
    std::vector<std::vector<std::uint32_t>> seqs;
    ngram_sequences(ids, unigrams, max_order, seqs);
    return seqs;
  };
  const auto cand = sequences_of(candidate);
  std::vector<std::vector<std::vector<std::uint32_t>>> refs;
  refs.reserve(references.size());
  for (const auto& ref : references) refs.push_back(sequences_of(ref));

  // Ids are distinct across orders, so one array per role serves every order.
  std::vector<std::uint32_t> ref_max(ids.size(), 0);
  std::vector<std::uint32_t> count(ids.size(), 0);
  for (const auto& ref : refs) {
    for (const auto& seq : ref) {
      for (std::uint32_t id : seq) ++count[id];
      for (std::uint32_t id : seq) {
        ref_max[id] = std::max(ref_max[id], count[id]);
      }
      for (std::uint32_t id : seq) count[id] = 0;
    }
  }
  ClippedCounts out;
  out.matches.assign(max_order, 0);
  out.totals.assign(max_order, 0);
  for (std::size_t n = 0; n < max_order; ++n) {
    const auto& seq = cand[n];
    out.totals[n] = static_cast<std::int64_t>(seq.size());
    for (std::uint32_t id : seq) ++count[id];
    std::int64_t matched = 0;
    for (std::uint32_t id : seq) {
      if (count[id] == 0) continue;  // this n-gram was already counted
      matched += std::min(count[id], ref_max[id]);
      count[id] = 0;
    }
    out.matches[n] = matched;
  }
  return out;
}

}  // namespace reasonrec::eval
