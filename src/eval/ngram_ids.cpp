#include "eval/ngram_ids.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

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

// A fast hash of short byte strings (words), 8 bytes at a time.
std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL ^ s.size();
  const char* p = s.data();
  std::size_t n = s.size();
  while (n >= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ v) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  // The last 0-7 bytes with fixed-size loads (a variable-length memcpy is a library call).
  std::uint64_t tail = 0;
  if (n >= 4) {
    std::uint32_t first;
    std::uint32_t last;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    tail = (static_cast<std::uint64_t>(first) << 32) | last;
  } else if (n > 0) {
    const auto b = [p](std::size_t i) {
      return static_cast<std::uint64_t>(static_cast<unsigned char>(p[i]));
    };
    tail = (b(0) << 16) | (b(n / 2) << 8) | b(n - 1);
  }
  return mix(h ^ tail);
}

// Tables stay at most half full.
std::size_t table_size_for(std::size_t items) {
  return std::bit_ceil(std::max<std::size_t>(16, items * 2));
}

}  // namespace

NgramIds::NgramIds(std::size_t expected_words, std::size_t expected_pairs, std::uint32_t first_id)
    : words_(table_size_for(expected_words)),
      pairs_(table_size_for(expected_pairs)),
      next_id_(first_id) {}

std::uint32_t NgramIds::word(std::string_view token) {
  const std::uint64_t h = hash_bytes(token);
  const std::size_t mask = words_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    WordSlot& slot = words_[i];
    if (slot.id_plus1 == 0) {
      const std::uint32_t id = next_id_++;
      slot = {token.data(), static_cast<std::uint32_t>(token.size()), id + 1, h};
      if (++word_count_ * 2 > words_.size()) grow_words();
      return id;
    }
    if (slot.hash == h && slot.length == token.size() &&
        std::memcmp(slot.data, token.data(), token.size()) == 0) {
      return slot.id_plus1 - 1;
    }
  }
}

std::uint32_t NgramIds::extend(std::uint32_t prefix, std::uint32_t last) {
  const std::uint64_t key = (static_cast<std::uint64_t>(prefix) << 32) | last;
  const std::size_t mask = pairs_.size() - 1;
  for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    PairSlot& slot = pairs_[i];
    if (slot.id_plus1 == 0) {
      const std::uint32_t id = next_id_++;
      slot = {key, id + 1};
      if (++pair_count_ * 2 > pairs_.size()) grow_pairs();
      return id;
    }
    if (slot.key == key) return slot.id_plus1 - 1;
  }
}

std::uint32_t NgramIds::find_word(std::string_view token) const {
  const std::uint64_t h = hash_bytes(token);
  const std::size_t mask = words_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const WordSlot& slot = words_[i];
    if (slot.id_plus1 == 0) return kAbsent;
    if (slot.hash == h && slot.length == token.size() &&
        std::memcmp(slot.data, token.data(), token.size()) == 0) {
      return slot.id_plus1 - 1;
    }
  }
}

std::uint32_t NgramIds::find(std::uint32_t prefix, std::uint32_t last) const {
  if (prefix == kAbsent) return kAbsent;
  const std::uint64_t key = (static_cast<std::uint64_t>(prefix) << 32) | last;
  const std::size_t mask = pairs_.size() - 1;
  for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    const PairSlot& slot = pairs_[i];
    if (slot.id_plus1 == 0) return kAbsent;
    if (slot.key == key) return slot.id_plus1 - 1;
  }
}

void NgramIds::grow_words() {
  std::vector<WordSlot> old(words_.size() * 2);
  old.swap(words_);
  const std::size_t mask = words_.size() - 1;
  for (const WordSlot& slot : old) {
    if (slot.id_plus1 == 0) continue;
    std::size_t i = slot.hash & mask;
    while (words_[i].id_plus1 != 0) i = (i + 1) & mask;
    words_[i] = slot;
  }
}

void NgramIds::grow_pairs() {
  std::vector<PairSlot> old(pairs_.size() * 2);
  old.swap(pairs_);
  const std::size_t mask = pairs_.size() - 1;
  for (const PairSlot& slot : old) {
    if (slot.id_plus1 == 0) continue;
    std::size_t i = mix(slot.key) & mask;
    while (pairs_[i].id_plus1 != 0) i = (i + 1) & mask;
    pairs_[i] = slot;
  }
}

void append_ngram_ids(NgramIds& ids, const std::uint32_t* unigrams, std::size_t count,
                      std::size_t max_order, bool insert, std::vector<std::uint32_t>& out,
                      std::vector<std::size_t>& offsets) {
  offsets.clear();
  offsets.push_back(out.size());
  if (max_order == 0) return;
  out.insert(out.end(), unigrams, unigrams + count);
  offsets.push_back(out.size());
  for (std::size_t n = 2; n <= max_order; ++n) {
    const std::size_t prev = offsets[n - 2];
    for (std::size_t i = 0; i + n <= count; ++i) {
      // out may reallocate while we append: index, do not hold references.
      const std::uint32_t prefix = out[prev + i];
      const std::uint32_t last = unigrams[i + n - 1];
      const std::uint32_t id =
          insert ? ids.extend(prefix, last)
                 : (last == NgramIds::kAbsent ? NgramIds::kAbsent : ids.find(prefix, last));
      out.push_back(id);
    }
    offsets.push_back(out.size());
  }
}

}  // namespace reasonrec::eval
