#include "eval/ngram_match.hpp"

#include <algorithm>
#include <bit>

#include "eval/ngram_ids.hpp"
#include "eval/python_number.hpp"
#include "eval/python_text.hpp"

namespace reasonrec::eval {

namespace {

constexpr std::uint32_t kAbsent = SymbolSequences::kAbsent;

std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

std::uint64_t hash_key(std::uint64_t k) {
  return mix64(k);
}
std::uint64_t hash_key(pynum::UInt128 k) {
  return mix64(static_cast<std::uint64_t>(k) ^ mix64(static_cast<std::uint64_t>(k >> 64)));
}

// Counts of the candidate's n-grams of one order, keyed by the packed symbol ids. `stamp`
// makes clearing between orders free: a slot from an older generation is empty.
template <typename Key>
class OrderTable {
 public:
  struct Slot {
    Key key{};
    std::uint32_t stamp = 0;
    std::uint32_t candidate = 0;
    std::uint32_t reference = 0;
    std::uint32_t reference_max = 0;
    bool in_some_reference = false;
  };

  explicit OrderTable(std::size_t max_items)
      : slots_(std::bit_ceil(std::max<std::size_t>(16, max_items * 2))), mask_(slots_.size() - 1) {}

  // Starts an empty table for keys of `key_bits` bits. When every such key has a slot of its
  // own (always true for unigrams), keys index the table directly: no hashing, no probing.
  void next_order(std::size_t key_bits) {
    ++stamp_;
    direct_ = key_bits < 64 && (std::size_t{1} << key_bits) <= slots_.size();
  }

  Slot* insert(Key key) {
    if (direct_) {
      Slot& s = slots_[static_cast<std::size_t>(key)];
      if (s.stamp != stamp_) s = Slot{key, stamp_, 0, 0, 0, false};
      return &s;
    }
    for (std::size_t i = hash_key(key) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.stamp != stamp_) {
        s = Slot{key, stamp_, 0, 0, 0, false};
        return &s;
      }
      if (s.key == key) return &s;
    }
  }

  Slot* find(Key key) {
    if (direct_) {
      Slot& s = slots_[static_cast<std::size_t>(key)];
      return s.stamp == stamp_ ? &s : nullptr;
    }
    for (std::size_t i = hash_key(key) & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.stamp != stamp_) return nullptr;
      if (s.key == key) return &s;
    }
  }

 private:
  std::vector<Slot> slots_;
  std::size_t mask_;
  std::uint32_t stamp_ = 0;
  bool direct_ = false;
};

// Advances `keys` (the packed (n-1)-grams at each position) to n-grams in place: position i
// gains symbol ids[i + n - 1]. An n-gram with an absent symbol becomes `absent`.
template <typename Key>
void extend_keys(std::vector<Key>& keys, const std::vector<std::uint32_t>& ids, std::size_t n,
                 int bits, Key absent) {
  const std::size_t count = ids.size() >= n ? ids.size() - n + 1 : 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t id = ids[i + n - 1];
    keys[i] = (keys[i] == absent || id == kAbsent) ? absent : ((keys[i] << bits) | Key{id});
  }
  keys.resize(count);
}

// Walks the orders 1..max_order with packed keys and calls `visit(n, candidate n-grams,
// distinct candidate slots, reference slots)` for each; reference_slots[r][j] is the slot of
// reference r's n-gram at j, or null when the candidate lacks it.
//
// Pruning keeps the higher orders cheap: an n-gram whose (n-1)-gram prefix the other side
// lacks cannot match, so it gets the `absent` key and is neither stored nor looked up. This
// depends only on the n-gram's value, so every occurrence of a stored n-gram is counted.
template <typename Key, typename Visit>
void for_each_order_packed(const SymbolSequences& s, std::size_t max_order, int bits,
                           Visit&& visit) {
  using Slot = typename OrderTable<Key>::Slot;
  const Key absent = ~Key{0};
  OrderTable<Key> table(s.candidate.size());
  std::vector<Key> cand(s.candidate.size(), Key{0});
  std::vector<std::vector<Key>> refs;
  refs.reserve(s.references.size());
  for (const auto& r : s.references) refs.emplace_back(r.size(), Key{0});
  std::vector<Slot*> distinct;
  std::vector<Slot*> cand_slots;
  std::vector<std::vector<Slot*>> ref_slots(refs.size());
  for (std::size_t n = 1; n <= max_order; ++n) {
    extend_keys(cand, s.candidate, n, bits, absent);
    for (std::size_t r = 0; r < refs.size(); ++r) {
      extend_keys(refs[r], s.references[r], n, bits, absent);
    }
    table.next_order(static_cast<std::size_t>(bits) * n);
    distinct.clear();
    cand_slots.assign(cand.size(), nullptr);
    for (std::size_t i = 0; i < cand.size(); ++i) {
      if (cand[i] == absent) continue;
      Slot* slot = table.insert(cand[i]);
      if (slot->candidate++ == 0) distinct.push_back(slot);
      cand_slots[i] = slot;
    }
    for (std::size_t r = 0; r < refs.size(); ++r) {
      auto& keys = refs[r];
      auto& slots = ref_slots[r];
      slots.assign(keys.size(), nullptr);
      for (std::size_t j = 0; j < keys.size(); ++j) {
        if (keys[j] == absent) continue;
        Slot* slot = table.find(keys[j]);
        if (slot == nullptr) {
          keys[j] = absent;  // its extensions cannot be candidate n-grams either
          continue;
        }
        slot->in_some_reference = true;
        slots[j] = slot;
      }
    }
    visit(n, cand.size(), distinct, ref_slots);
    for (std::size_t i = 0; i < cand.size(); ++i) {
      // No reference has it, so no reference has its extensions.
      if (cand_slots[i] != nullptr && !cand_slots[i]->in_some_reference) cand[i] = absent;
    }
  }
}

int bits_for(std::uint32_t symbols) {
  return std::bit_width(symbols);
}

// Whether n-grams of max_order symbols fit a Key exactly.
bool fits(std::uint32_t symbols, std::size_t max_order, int key_bits) {
  return static_cast<std::size_t>(bits_for(symbols)) * max_order <=
         static_cast<std::size_t>(key_bits);
}

// The generic route: ids per order from (prefix id, last symbol) pairs. Symbol ids are the
// unigram ids; n-gram ids start after them.
struct IdChains {
  std::vector<std::uint32_t> candidate;
  std::vector<std::size_t> candidate_offsets;
  std::vector<std::vector<std::uint32_t>> references;
  std::vector<std::vector<std::size_t>> reference_offsets;
  std::uint32_t ids = 0;
};

IdChains id_chains(const SymbolSequences& s, std::size_t max_order) {
  IdChains c;
  NgramIds ids(0, s.candidate.size() * max_order, s.symbols);
  append_ngram_ids(ids, s.candidate.data(), s.candidate.size(), max_order, true, c.candidate,
                   c.candidate_offsets);
  for (const auto& r : s.references) {
    c.references.emplace_back();
    c.reference_offsets.emplace_back();
    append_ngram_ids(ids, r.data(), r.size(), max_order, false, c.references.back(),
                     c.reference_offsets.back());
  }
  c.ids = ids.size();
  return c;
}

ClippedCounts clipped_by_id_chains(const SymbolSequences& s, std::size_t max_order) {
  const IdChains c = id_chains(s, max_order);
  std::vector<std::uint32_t> ref_max(c.ids, 0);
  std::vector<std::uint32_t> count(c.ids, 0);
  for (const auto& ref : c.references) {
    for (std::uint32_t id : ref) {
      if (id != kAbsent) ++count[id];
    }
    for (std::uint32_t id : ref) {
      if (id != kAbsent) ref_max[id] = std::max(ref_max[id], count[id]);
    }
    for (std::uint32_t id : ref) {
      if (id != kAbsent) count[id] = 0;
    }
  }
  ClippedCounts out;
  out.matches.assign(max_order, 0);
  out.totals.assign(max_order, 0);
  for (std::size_t n = 0; n < max_order; ++n) {
    const std::size_t begin = c.candidate_offsets[n];
    const std::size_t end = c.candidate_offsets[n + 1];
    out.totals[n] = static_cast<std::int64_t>(end - begin);
    for (std::size_t k = begin; k < end; ++k) ++count[c.candidate[k]];
    for (std::size_t k = begin; k < end; ++k) {
      const std::uint32_t id = c.candidate[k];
      if (count[id] == 0) continue;  // already counted
      out.matches[n] += std::min(count[id], ref_max[id]);
      count[id] = 0;
    }
  }
  return out;
}

std::vector<std::vector<OrderMatch>> matches_by_id_chains(const SymbolSequences& s,
                                                          std::size_t max_order) {
  const IdChains c = id_chains(s, max_order);
  std::vector<std::uint32_t> cand_count(c.ids, 0);
  std::vector<std::uint32_t> ref_count(c.ids, 0);
  std::vector<std::vector<OrderMatch>> out;
  for (std::size_t r = 0; r < c.references.size(); ++r) {
    std::vector<OrderMatch> orders(max_order);
    for (std::size_t n = 0; n < max_order; ++n) {
      const auto* hs = c.candidate.data() + c.candidate_offsets[n];
      const std::size_t hn = c.candidate_offsets[n + 1] - c.candidate_offsets[n];
      const auto* rs = c.references[r].data() + c.reference_offsets[r][n];
      const std::size_t rn = c.reference_offsets[r][n + 1] - c.reference_offsets[r][n];
      for (std::size_t k = 0; k < rn; ++k) {
        if (rs[k] != kAbsent) ++ref_count[rs[k]];
      }
      for (std::size_t k = 0; k < hn; ++k) ++cand_count[hs[k]];
      std::int64_t matches = 0;
      for (std::size_t k = 0; k < hn; ++k) {
        if (cand_count[hs[k]] == 0) continue;
        matches += std::min(cand_count[hs[k]], ref_count[hs[k]]);
        cand_count[hs[k]] = 0;
      }
      for (std::size_t k = 0; k < rn; ++k) {
        if (rs[k] != kAbsent) ref_count[rs[k]] = 0;
      }
      orders[n] = {static_cast<std::int64_t>(hn), static_cast<std::int64_t>(rn), matches};
    }
    out.push_back(std::move(orders));
  }
  return out;
}

template <typename Key>
ClippedCounts clipped_packed(const SymbolSequences& s, std::size_t max_order) {
  using Slot = typename OrderTable<Key>::Slot;
  ClippedCounts out;
  out.matches.assign(max_order, 0);
  out.totals.assign(max_order, 0);
  std::vector<Slot*> touched;
  for_each_order_packed<Key>(
      s, max_order, bits_for(s.symbols),
      [&](std::size_t n, std::size_t cand_ngrams, const std::vector<Slot*>& distinct,
          const std::vector<std::vector<Slot*>>& ref_slots) {
        out.totals[n - 1] = static_cast<std::int64_t>(cand_ngrams);
        for (const auto& slots : ref_slots) {
          touched.clear();
          for (Slot* slot : slots) {
            if (slot != nullptr && slot->reference++ == 0) touched.push_back(slot);
          }
          for (Slot* slot : touched) {
            slot->reference_max = std::max(slot->reference_max, slot->reference);
            slot->reference = 0;
          }
        }
        std::int64_t matches = 0;
        for (const Slot* slot : distinct) matches += std::min(slot->candidate, slot->reference_max);
        out.matches[n - 1] = matches;
      });
  return out;
}

template <typename Key>
std::vector<std::vector<OrderMatch>> matches_packed(const SymbolSequences& s,
                                                    std::size_t max_order) {
  using Slot = typename OrderTable<Key>::Slot;
  std::vector<std::vector<OrderMatch>> out(s.references.size(), std::vector<OrderMatch>(max_order));
  std::vector<Slot*> touched;
  for_each_order_packed<Key>(
      s, max_order, bits_for(s.symbols),
      [&](std::size_t n, std::size_t cand_ngrams, const std::vector<Slot*>& /*distinct*/,
          const std::vector<std::vector<Slot*>>& ref_slots) {
        for (std::size_t r = 0; r < ref_slots.size(); ++r) {
          touched.clear();
          std::int64_t matches = 0;
          for (Slot* slot : ref_slots[r]) {
            if (slot == nullptr) continue;
            // Counting reference occurrences up to the candidate's count sums the minima.
            if (slot->reference < slot->candidate) ++matches;
            if (slot->reference++ == 0) touched.push_back(slot);
          }
          for (Slot* slot : touched) slot->reference = 0;
          out[r][n - 1] = {static_cast<std::int64_t>(cand_ngrams),
                           static_cast<std::int64_t>(ref_slots[r].size()), matches};
        }
      });
  return out;
}

}  // namespace

SymbolSequences word_symbols(const std::vector<std::string_view>& candidate,
                             const std::vector<std::vector<std::string_view>>& references) {
  SymbolSequences s;
  NgramIds ids(candidate.size(), 0);
  s.candidate.reserve(candidate.size());
  for (std::string_view w : candidate) s.candidate.push_back(ids.word(w));
  s.symbols = ids.size();
  s.references.reserve(references.size());
  for (const auto& ref : references) {
    std::vector<std::uint32_t> r;
    r.reserve(ref.size());
    for (std::string_view w : ref) r.push_back(ids.find_word(w));
    s.references.push_back(std::move(r));
  }
  return s;
}

SymbolSequences char_symbols(std::string_view candidate,
                             const std::vector<std::string_view>& references,
                             bool keep_whitespace) {
  // ASCII code points get ids through a direct table, the others through NgramIds, whose own
  // dense numbering is moved after the ASCII ids once the candidate is read.
  constexpr std::uint32_t kOther = 0x80000000u;
  std::uint32_t ascii[128];
  std::fill(std::begin(ascii), std::end(ascii), kAbsent);
  std::uint32_t ascii_count = 0;
  NgramIds others(0, 64);
  SymbolSequences s;
  s.candidate.reserve(candidate.size());
  for (std::size_t pos = 0; pos < candidate.size();) {
    const char32_t c = pytext::next_code_point(candidate, pos);
    if (!keep_whitespace && pytext::is_space(c)) continue;
    if (c < 128) {
      if (ascii[c] == kAbsent) ascii[c] = ascii_count++;
      s.candidate.push_back(ascii[c]);
    } else {
      s.candidate.push_back(kOther |
                            others.extend(NgramIds::kNoPrefix, static_cast<std::uint32_t>(c)));
    }
  }
  for (std::uint32_t& id : s.candidate) {
    if (id & kOther) id = ascii_count + (id & ~kOther);
  }
  s.symbols = ascii_count + others.size();
  s.references.reserve(references.size());
  for (std::string_view ref : references) {
    std::vector<std::uint32_t> out;
    out.reserve(ref.size());
    for (std::size_t pos = 0; pos < ref.size();) {
      const char32_t c = pytext::next_code_point(ref, pos);
      if (!keep_whitespace && pytext::is_space(c)) continue;
      if (c < 128) {
        out.push_back(ascii[c]);
      } else {
        const std::uint32_t id = others.find(NgramIds::kNoPrefix, static_cast<std::uint32_t>(c));
        out.push_back(id == NgramIds::kAbsent ? kAbsent : ascii_count + id);
      }
    }
    s.references.push_back(std::move(out));
  }
  return s;
}

ClippedCounts clipped_counts(const SymbolSequences& s, std::size_t max_order,
                             NgramStrategy strategy) {
  if (strategy == NgramStrategy::automatic) {
    if (fits(s.symbols, max_order, 64)) return clipped_packed<std::uint64_t>(s, max_order);
    if (fits(s.symbols, max_order, 128)) return clipped_packed<pynum::UInt128>(s, max_order);
  }
  return clipped_by_id_chains(s, max_order);
}

ClippedCounts clipped_ngram_counts(const std::vector<std::string_view>& candidate,
                                   const std::vector<std::vector<std::string_view>>& references,
                                   std::size_t max_order) {
  return clipped_counts(word_symbols(candidate, references), max_order);
}

std::vector<std::vector<OrderMatch>> matches_per_reference(const SymbolSequences& s,
                                                           std::size_t max_order,
                                                           NgramStrategy strategy) {
  if (strategy == NgramStrategy::automatic) {
    if (fits(s.symbols, max_order, 64)) return matches_packed<std::uint64_t>(s, max_order);
    if (fits(s.symbols, max_order, 128)) return matches_packed<pynum::UInt128>(s, max_order);
  }
  return matches_by_id_chains(s, max_order);
}

}  // namespace reasonrec::eval
