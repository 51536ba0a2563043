// The n-gram matching core against a straightforward implementation (maps of n-gram
// vectors), on random sequences over small and huge alphabets, for both strategies (packed
// keys and the id-chain fallback).
#include "eval/ngram_match.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "util/random.hpp"

namespace reasonrec::test {
namespace {

using eval::NgramStrategy;
using Seq = std::vector<std::uint32_t>;
using Counts = std::map<Seq, std::int64_t>;

// Uniform in [lo, hi].
std::size_t pick(Rng& rng, std::size_t lo, std::size_t hi) {
  return lo + rng.below(hi - lo + 1);
}

Counts ngram_counts(const Seq& s, std::size_t n) {
  Counts c;
  for (std::size_t i = 0; i + n <= s.size(); ++i) ++c[Seq(s.begin() + i, s.begin() + i + n)];
  return c;
}

// Random texts over `alphabet` symbols, mapped to the dense-id form the matcher takes.
eval::SymbolSequences random_case(Rng& rng, std::uint32_t alphabet, std::size_t length,
                                  std::size_t refs) {
  auto text = [&] {
    Seq s(pick(rng, 0, length));
    for (auto& x : s) x = static_cast<std::uint32_t>(pick(rng, 0, alphabet - 1));
    return s;
  };
  const Seq cand = text();
  std::vector<Seq> references;
  for (std::size_t r = 0; r < refs; ++r) {
    // Half of the references copy a stretch of the candidate, to get long matches.
    Seq ref = text();
    if (pick(rng, 0, 1) == 1 && !cand.empty()) {
      const std::size_t from = pick(rng, 0, cand.size() - 1);
      ref.insert(ref.begin() + static_cast<long>(ref.size() / 2),
                 cand.begin() + static_cast<long>(from), cand.end());
    }
    references.push_back(ref);
  }
  std::map<std::uint32_t, std::uint32_t> dense;
  eval::SymbolSequences s;
  for (std::uint32_t x : cand) {
    const auto [it, added] = dense.emplace(x, static_cast<std::uint32_t>(dense.size()));
    s.candidate.push_back(it->second);
  }
  s.symbols = static_cast<std::uint32_t>(dense.size());
  for (const Seq& ref : references) {
    Seq r;
    for (std::uint32_t x : ref) {
      const auto it = dense.find(x);
      r.push_back(it == dense.end() ? eval::SymbolSequences::kAbsent : it->second);
    }
    s.references.push_back(r);
  }
  return s;
}

// The obvious computation: reference symbols the candidate lacks become distinct values
// that never match.
Seq plain(const Seq& s, std::uint32_t& fresh) {
  Seq out;
  for (std::uint32_t x : s) out.push_back(x == eval::SymbolSequences::kAbsent ? fresh++ : x);
  return out;
}

TEST(NgramMatch, ClippedCountsAndPerReferenceMatchesEqualTheObviousComputation) {
  Rng rng(17);
  for (int round = 0; round < 2000; ++round) {
    // Few distinct symbols pack n-grams into 64-bit keys; a long text over a large alphabet
    // (every 10th round) needs 128-bit keys at the higher orders.
    const bool long_text = round % 10 == 0;
    const std::uint32_t alphabet = long_text ? 5000 : (round % 2 == 0 ? 3 : 1u << 30);
    const std::size_t max_order = pick(rng, 1, 7);
    const auto s = random_case(rng, alphabet, long_text ? 1500 : 40, pick(rng, 1, 3));
    std::uint32_t fresh = 0x40000000u;
    const Seq cand = s.candidate;
    std::vector<Seq> refs;
    for (const Seq& r : s.references) refs.push_back(plain(r, fresh));

    eval::ClippedCounts expected;
    std::vector<std::vector<eval::OrderMatch>> expected_matches(refs.size());
    for (std::size_t n = 1; n <= max_order; ++n) {
      const Counts c = ngram_counts(cand, n);
      std::int64_t total = 0;
      for (const auto& [g, k] : c) total += k;
      Counts ref_max;
      for (std::size_t r = 0; r < refs.size(); ++r) {
        const Counts rc = ngram_counts(refs[r], n);
        std::int64_t ref_total = 0;
        std::int64_t matches = 0;
        for (const auto& [g, k] : rc) {
          ref_total += k;
          ref_max[g] = std::max(ref_max[g], k);
          if (const auto it = c.find(g); it != c.end()) matches += std::min(k, it->second);
        }
        expected_matches[r].push_back({total, ref_total, matches});
      }
      std::int64_t clipped = 0;
      for (const auto& [g, k] : c) clipped += std::min(k, ref_max[g]);
      expected.matches.push_back(clipped);
      expected.totals.push_back(total);
    }
    for (const auto strategy : {NgramStrategy::automatic, NgramStrategy::id_chains}) {
      const auto got = eval::clipped_counts(s, max_order, strategy);
      ASSERT_EQ(got.matches, expected.matches) << round;
      ASSERT_EQ(got.totals, expected.totals) << round;
      const auto per_ref = eval::matches_per_reference(s, max_order, strategy);
      ASSERT_EQ(per_ref.size(), expected_matches.size());
      for (std::size_t r = 0; r < per_ref.size(); ++r) {
        for (std::size_t n = 0; n < max_order; ++n) {
          EXPECT_EQ(per_ref[r][n].candidate, expected_matches[r][n].candidate) << round;
          EXPECT_EQ(per_ref[r][n].reference, expected_matches[r][n].reference) << round;
          ASSERT_EQ(per_ref[r][n].matches, expected_matches[r][n].matches) << round;
        }
      }
    }
  }
}

TEST(NgramMatch, SymbolsOfWordsAndCharacters) {
  const std::vector<std::string_view> cand = {"a", "b", "a"};
  const std::vector<std::vector<std::string_view>> refs = {{"b", "c", "a"}};
  const auto w = eval::word_symbols(cand, refs);
  EXPECT_EQ(w.symbols, 2u);
  EXPECT_EQ(w.candidate, (Seq{0, 1, 0}));
  EXPECT_EQ(w.references[0], (Seq{1, eval::SymbolSequences::kAbsent, 0}));
  // Code points, whitespace (Python's) dropped unless kept; invalid bytes count as symbols.
  const auto c = eval::char_symbols("é a\u3000\xff", {"a é", "\xff"}, false);
  EXPECT_EQ(c.symbols, 3u);
  EXPECT_EQ(c.candidate.size(), 3u);
  EXPECT_EQ(c.references[0].size(), 2u);
  EXPECT_EQ(c.references[1].size(), 1u);
  EXPECT_EQ(c.references[1][0], c.candidate[2]);
  EXPECT_EQ(eval::char_symbols("a b", {}, true).candidate.size(), 3u);
}

}  // namespace
}  // namespace reasonrec::test
