// Non-default sacreBLEU settings (smoothing floor / add-k / none, tokenize none, effective
// order, chrF's beta, epsilon smoothing and whitespace), checked against the expected values
// in sacreBLEU's own test suite (test/test_bleu.py, test_sentence_bleu.py, test_chrf.py of
// mjpost/sacrebleu), with the tolerances used there. The public vectors in ../shared/metrics
// cover the default settings.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "eval/bleu_sacre.hpp"
#include "eval/chrf.hpp"
#include "eval/text_metrics.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using eval::BleuSmoothing;
using eval::BleuTokenizer;
using Refs = std::vector<std::vector<std::string>>;

eval::SacreBleu bleu_with(BleuSmoothing smoothing, std::optional<double> value,
                          BleuTokenizer tokenizer = BleuTokenizer::thirteen_a,
                          std::optional<bool> effective_order = std::nullopt) {
  eval::SacreBleuOptions o;
  o.smoothing = smoothing;
  o.smooth_value = value;
  o.tokenizer = tokenizer;
  o.effective_order = effective_order;
  return eval::SacreBleu(o);
}

TEST(SacreBleuOptions, SentenceSmoothingAndTokenizerAsSacreBleuTests) {
  // test_sentence_bleu.py, the example of sacreBLEU issue #98 (EPSILON 1e-3).
  const std::string ref = "producţia de zahăr brut se exprimă în zahăr alb;";
  const std::string sys =
      "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";
  struct Case {
    BleuSmoothing smoothing;
    std::optional<double> value;
    BleuTokenizer tokenizer;
    double expected;
  };
  const std::vector<Case> cases = {
      {BleuSmoothing::exp, std::nullopt, BleuTokenizer::thirteen_a, 8.493},
      {BleuSmoothing::none, std::nullopt, BleuTokenizer::thirteen_a, 0.0},
      {BleuSmoothing::floor, std::nullopt, BleuTokenizer::thirteen_a, 4.51688},
      {BleuSmoothing::floor, 0.1, BleuTokenizer::thirteen_a, 4.51688},
      {BleuSmoothing::floor, 0.5, BleuTokenizer::thirteen_a, 10.10},
      {BleuSmoothing::add_k, std::nullopt, BleuTokenizer::thirteen_a, 14.882},
      {BleuSmoothing::add_k, 1, BleuTokenizer::thirteen_a, 14.882},
      {BleuSmoothing::add_k, 2, BleuTokenizer::thirteen_a, 21.389},
      {BleuSmoothing::exp, std::nullopt, BleuTokenizer::none, 7.347},
  };
  for (const Case& c : cases) {
    const auto bleu = bleu_with(c.smoothing, c.value, c.tokenizer, true);
    EXPECT_NEAR(bleu.sentence(sys, {ref}).score, c.expected, 1e-3) << bleu.signature();
    // Issue #141: no match at all scores 0 whatever the smoothing.
    EXPECT_EQ(bleu.sentence("this is a cat", {"okay thanks"}).score, 0.0);
  }
}

TEST(SacreBleuOptions, CorpusBleuAsSacreBleuTests) {
  // test_bleu.py, the README example (EPSILON 1e-8).
  const std::vector<std::string> hyps = {"The dog bit the man.", "It wasn't surprising.",
                                         "The man had just bitten him."};
  // Two reference streams, regrouped per hypothesis.
  const Refs refs = {{"The dog bit the man.", "The dog had bit the man."},
                     {"It was not unexpected.", "No one was surprised."},
                     {"The man bit him first.", "The man had bitten the dog."}};
  EXPECT_NEAR(eval::SacreBleu().corpus(hyps, refs).score, 48.530827, 1e-8);
  EXPECT_NEAR(
      bleu_with(BleuSmoothing::exp, std::nullopt, BleuTokenizer::none).corpus(hyps, refs).score,
      49.1919566, 1e-8);
  EXPECT_NEAR(bleu_with(BleuSmoothing::none, std::nullopt).corpus(hyps, refs).score, 48.530827,
              1e-8);
  EXPECT_EQ(eval::SacreBleu().corpus({"", "", ""}, refs).score, 0.0);
}

TEST(SacreBleuOptions, RawCorpusBleuAndEffectiveOrderAsSacreBleuTests) {
  // raw_corpus_bleu = floor smoothing, tokenize none, effective order; scores / 100.
  const auto raw = [](double floor) {
    return bleu_with(BleuSmoothing::floor, floor, BleuTokenizer::none, true);
  };
  // No match at all: 0 since sacreBLEU's issue #141.
  EXPECT_EQ(raw(0.01).corpus({"this is a test", "another test"}, {{"ref1"}, {"ref2"}}).score, 0.0);
  EXPECT_NEAR(raw(0.01).corpus({"this is a test"}, {{"this is a test"}}).score / 100, 1.0, 1e-8);
  EXPECT_NEAR(raw(0.01).corpus({"this is a fest"}, {{"this is a test"}}).score / 100,
              0.223606797749979, 1e-8);
  EXPECT_NEAR(raw(0.01).corpus({"test"}, {{"a test"}}).score / 100, 0.3678794411714425, 1e-8);
  EXPECT_NEAR(raw(0.01).corpus({"a test"}, {{"a test"}}).score / 100, 1.0, 1e-8);
  EXPECT_NEAR(raw(0.01).corpus({"a little test"}, {{"a test"}}).score / 100, 0.03218297948685433,
              1e-8);
  // test_offset and test_statistics.
  const std::string hyp = "am I am a character sequence";
  const std::string ref = "I am a symbol string sequence a a";
  EXPECT_NEAR(raw(0.1).corpus({hyp}, {{ref}}).score / 100, 0.1555722182, 1e-8);
  EXPECT_NEAR(bleu_with(BleuSmoothing::floor, std::nullopt, BleuTokenizer::none, true)
                      .corpus({hyp}, {{ref}})
                      .score /
                  100,
              0.1555722182, 1e-8);
  EXPECT_EQ(raw(0.0).corpus({hyp}, {{ref}}).score, 0.0);
  const auto r = raw(0.01).corpus_result({hyp}, {{ref}});
  EXPECT_EQ(r.counts, (std::vector<double>{4, 2, 1, 0}));
  EXPECT_EQ(r.totals, (std::vector<double>{6, 5, 4, 3}));
}

TEST(SacreBleuOptions, MaxNgramOrderAsSacreBleuTests) {
  const std::vector<std::string> hyps = {"The dog bit the man.", "It wasn't surprising.",
                                         "The man had just bitten him."};
  const Refs refs = {{"The dog bit the man.", "The dog had bit the man."},
                     {"It was not unexpected.", "No one was surprised."},
                     {"The man bit him first.", "The man had bitten the dog."}};
  const std::vector<std::string> expected = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
  for (int order = 1; order <= 6; ++order) {
    eval::SacreBleuOptions o;
    o.max_ngram_order = order;
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", eval::SacreBleu(o).corpus(hyps, refs).score);
    EXPECT_EQ(text, expected[static_cast<std::size_t>(order - 1)]) << order;
  }
}

TEST(SacreBleuOptions, ComputeBleuFromStatisticsAsSacreBleuTests) {
  eval::BleuStatistics s{11, 11, {9, 7, 5, 3}, {10, 8, 6, 4}};
  EXPECT_NEAR(eval::compute_sacre_bleu(s, BleuSmoothing::none, std::nullopt, false, 4).score / 100,
              0.8375922397, 1e-8);
  // Degenerate statistics with floor smoothing all give exactly 0.
  const std::vector<std::pair<eval::BleuStatistics, double>> degenerate = {
      {{0, 1, {0, 0, 0, 0}, {4, 4, 2, 1}}, 0.0}, {{14, 10, {0, 0, 0, 0}, {10, 11, 12, 0}}, 0.0},
      {{0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}}, 0.0}, {{6, 6, {6, 5, 4, 0}, {6, 5, 4, 3}}, 0.0},
      {{0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}}, 0.1}, {{1, 5, {0, 0, 0, 0}, {0, 0, 0, 0}}, 0.01}};
  for (const auto& [stats, floor] : degenerate) {
    EXPECT_EQ(eval::compute_sacre_bleu(stats, BleuSmoothing::floor, floor, false, 4).score, 0.0);
  }
}

eval::Chrf chrf_with(int beta, bool eps_smoothing, bool whitespace = false) {
  eval::ChrfOptions o;
  o.beta = beta;
  o.eps_smoothing = eps_smoothing;
  o.whitespace = whitespace;
  return eval::Chrf(o);
}

TEST(SacreBleuOptions, ChrfVariantsAsSacreBleuTests) {
  struct Case {
    std::vector<std::string> hyps;
    std::vector<std::string> refs;
    double expected;
  };
  const auto refs_of = [](const std::vector<std::string>& stream) {
    Refs refs;
    for (const auto& r : stream) refs.push_back({r});
    return refs;
  };
  // corpus_chrf(..., beta=3, eps_smoothing=True), EPSILON 1e-4.
  const std::vector<Case> eps = {
      {{"abcdefg"}, {"hijklmnop"}, 0.0},
      {{"a"}, {"b"}, 0.0},
      {{""}, {"b"}, 0.0},
      {{""}, {"ref"}, 0.0},
      {{""}, {"reference"}, 0.0},
      {{"aa"}, {"ab"}, 8.3333},
      {{"a", "b"}, {"a", "c"}, 8.3333},
      {{"a"}, {"a"}, 16.6667},
      {{"a b c"}, {"a b c"}, 50.0},
      {{"a b c"}, {"abc"}, 50.0},
      {{" risk assessment must be made of those who are qualified and expertise in the sector - "
        "these are the scientists ."},
       {"risk assessment has to be undertaken by those who are qualified and expert in that area "
        "- that is the scientists ."},
       63.361730},
      {{" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
       {"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
       64.1302698},
      {{"Niemand hat die Absicht, eine Mauer zu errichten"},
       {"Niemand hat die Absicht, eine Mauer zu errichten"},
       100.0},
  };
  for (const Case& c : eps) {
    EXPECT_NEAR(chrf_with(3, true).corpus(c.hyps, refs_of(c.refs)).score, c.expected, 1e-4)
        << c.hyps[0];
  }
  // eps_smoothing=False (effective order), beta=3.
  const std::vector<Case> effective = {
      {{"a"}, {"a"}, 100.0},       {{""}, {"reference"}, 0.0}, {{"a b c"}, {"a b c"}, 100.0},
      {{"a b c"}, {"abc"}, 100.0}, {{""}, {"c"}, 0.0},         {{"a", "b"}, {"a", "c"}, 50.0},
      {{"aa"}, {"ab"}, 25.0},
  };
  for (const Case& c : effective) {
    EXPECT_NEAR(chrf_with(3, false).corpus(c.hyps, refs_of(c.refs)).score, c.expected, 1e-4)
        << c.hyps[0];
  }
  // Keeping whitespace, beta=3.
  EXPECT_NEAR(
      chrf_with(3, false, true)
          .corpus({"Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."},
                  {{"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade "
                    "freundschaftlich."}})
          .score,
      67.3481606, 1e-4);
  EXPECT_NEAR(chrf_with(3, false, true)
                  .corpus({"risk assessment must be made of those who are qualified and expertise "
                           "in the sector - these are the scientists ."},
                          {{"risk assessment has to be undertaken by those who are qualified and "
                            "expert in that area - that is the scientists ."}})
                  .score,
              65.2414427, 1e-4);
  // sentence_chrf(..., eps_smoothing=True), beta 2.
  const eval::Chrf sentence_eps = chrf_with(2, true);
  EXPECT_NEAR(sentence_eps
                  .sentence("Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo "
                            "zemře.",
                            {"Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít "
                             "a kdo zemře."})
                  .score,
              39.14078509, 1e-4);
  EXPECT_NEAR(sentence_eps
                  .sentence("Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři.",
                            {"A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali "
                             "lékaři."})
                  .score,
              31.22557079, 1e-4);
  EXPECT_NEAR(sentence_eps
                  .sentence("Lapali po dechu, jejich životy skončily dřív, než skutečně začaly.",
                            {"Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl "
                             "začít, připomněli."})
                  .score,
              57.15704367, 1e-4);
}

TEST(SacreBleuOptions, SignaturesNameEverySetting) {
  EXPECT_EQ(bleu_with(BleuSmoothing::floor, std::nullopt).signature(),
            "nrefs:1|case:mixed|eff:yes|tok:13a|smooth:floor[0.10]|version:2.6.0");
  EXPECT_EQ(bleu_with(BleuSmoothing::add_k, 2, BleuTokenizer::none, false).signature(),
            "nrefs:1|case:mixed|eff:no|tok:none|smooth:add-k[2.00]|version:2.6.0");
  const auto lc = eval::make_text_metric("bleu", {{"lowercase", "yes"}, {"scale", "1"}});
  EXPECT_EQ(lc->signature(), "nrefs:1|case:lc|eff:yes|tok:13a|smooth:exp|version:2.6.0|scale:1");
  EXPECT_NEAR(lc->sentence("THE CAT", {"the cat"}).score, 1.0, 1e-12);
  EXPECT_EQ(chrf_with(3, true, true).signature(),
            "nrefs:1|case:mixed|eff:no|nc:6|nw:0|space:yes|version:2.6.0|beta:3");
}

TEST(SacreBleuOptions, EmptyReferencesAreSkippedAndNoneLeftIsAnError) {
  const eval::SacreBleu bleu;
  EXPECT_EQ(bleu.sentence("a b c", {"", "a b c"}).score, bleu.sentence("a b c", {"a b c"}).score);
  EXPECT_THROW(bleu.sentence("a b c", {""}), Error);
  EXPECT_THROW(eval::Chrf().sentence("a b c", {"", ""}), Error);
}

TEST(SacreBleuOptions, VeryLongAndOddTextsNeverCrash) {
  // 10,000 words with emoji, accents, curly quotes and CJK; identical texts score 100.
  const std::vector<std::string> words = {"caf\u00e9",
                                          "\u201cquoted\u201d",
                                          "\U0001F44D\U0001F3FD",
                                          "\u4e2d\u6587",
                                          "na\u00efve",
                                          "e.g.",
                                          "3,400",
                                          "$12.99"};
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    if (i) text += (i % 17 == 0) ? "\n" : " ";
    text += words[static_cast<std::size_t>(i * 7 + i / 3) % words.size()];
  }
  const eval::SacreBleu bleu;
  EXPECT_NEAR(bleu.sentence(text, {text}).score, 100.0, 1e-9);
  EXPECT_NEAR(eval::Chrf().sentence(text, {text}).score, 100.0, 1e-9);
  eval::ChrfOptions pp;
  pp.word_order = 2;
  EXPECT_NEAR(eval::Chrf(pp).sentence(text, {text}).score, 100.0, 1e-9);
  // Invalid UTF-8 and empty or whitespace-only candidates score without crashing.
  const std::string bad("\xff\xfe caf\xc3 \xe2\x82", 11);
  for (const std::string& cand : {bad, std::string(), std::string(" \t\u3000")}) {
    const double b = bleu.sentence(cand, {text, bad}).score;
    const double c = eval::Chrf(pp).sentence(cand, {text, bad}).score;
    EXPECT_TRUE(b >= 0.0 && b <= 100.0 + 1e-9) << b;  // sacreBLEU itself gives 100.00000000000004
    EXPECT_TRUE(c >= 0.0 && c <= 100.0) << c;
  }
  EXPECT_NEAR(eval::Chrf().sentence(bad, {bad}).score, 100.0, 1e-9);
}

}  // namespace
}  // namespace reasonrec::test
