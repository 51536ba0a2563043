// BLEU (sacreBLEU and NLTK) and chrF / chrF++ against every public test vector in
// ../shared/metrics, which the reference implementations themselves produced.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/bleu_nltk.hpp"
#include "eval/bleu_sacre.hpp"
#include "eval/chrf.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using nlohmann::json;

constexpr double kSacreTolerance = 1e-2;  // the tolerance on sacreBLEU's 0-100 scale
constexpr double kTolerance = 1e-4;       // and on 0-1 scales

std::vector<json> load_cases() {
  std::ifstream in(shared_dir() / "metrics" / "cases.jsonl");
  EXPECT_TRUE(in) << "missing " << (shared_dir() / "metrics" / "cases.jsonl");
  std::vector<json> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) cases.push_back(json::parse(line));
  }
  return cases;
}

json load_corpus() {
  std::ifstream in(shared_dir() / "metrics" / "corpus.json");
  EXPECT_TRUE(in);
  return json::parse(in);
}

// Per key: how many cases compared, and the largest absolute / relative difference.
struct Agreement {
  int compared = 0;
  int failed = 0;
  double max_abs = 0.0;
  double max_rel = 0.0;
};

class Tally {
 public:
  // Compares one value; relative difference is checked too for tiny non-zero references
  // (NLTK's 1e-77.. scores would pass any absolute tolerance even if we returned 0).
  void check(const std::string& key, const std::string& id, double expected, double actual,
             double tolerance) {
    Agreement& a = keys_[key];
    ++a.compared;
    const double abs_diff = std::fabs(expected - actual);
    const double rel_diff = expected != 0.0 ? abs_diff / std::fabs(expected) : abs_diff;
    a.max_abs = std::max(a.max_abs, abs_diff);
    a.max_rel = std::max(a.max_rel, rel_diff);
    const bool tiny = expected != 0.0 && std::fabs(expected) < 1e-10;
    if (abs_diff > tolerance || (tiny && rel_diff > 1e-9) || std::isnan(actual)) {
      ++a.failed;
      ADD_FAILURE() << key << " " << id << ": expected " << expected << " got " << actual;
    }
  }
  void count_null(const std::string& key) { ++keys_[key].compared; }

  void print(const std::string& title) const {
    std::cout << title << "\n";
    for (const auto& [key, a] : keys_) {
      std::cout << "  " << key << ": " << a.compared << " cases, " << a.failed
                << " outside tolerance, max |diff| " << a.max_abs << ", max rel " << a.max_rel
                << "\n";
    }
  }
  const std::map<std::string, Agreement>& keys() const { return keys_; }

 private:
  std::map<std::string, Agreement> keys_;
};

std::vector<std::string> refs_of(const json& c) {
  return c.at("references").get<std::vector<std::string>>();
}

TEST(BleuChrfVectors, SacreBleuSentenceMatchesEveryCase) {
  const auto cases = load_cases();
  ASSERT_EQ(cases.size(), 256u);
  const eval::SacreBleu bleu;  // sacrebleu.sentence_bleu defaults: 13a, exp, eff:yes
  Tally tally;
  for (const json& c : cases) {
    const std::string id = c.at("id");
    const json& s = c.at("scores").at("sacrebleu");
    const auto r = bleu.sentence_result(c.at("candidate").get<std::string>(), refs_of(c));
    tally.check("sentence_bleu", id, s.at("sentence_bleu"), r.score, kSacreTolerance);
    tally.check("sentence_bleu_bp", id, s.at("sentence_bleu_bp"), r.bp, kSacreTolerance);
    for (int n = 1; n <= 4; ++n) {
      const std::string key = "sentence_bleu_p" + std::to_string(n);
      tally.check(key, id, s.at(key), r.precisions[static_cast<std::size_t>(n - 1)],
                  kSacreTolerance);
    }
    tally.check("sentence_bleu_sys_len", id, s.at("sentence_bleu_sys_len"),
                static_cast<double>(r.sys_len), 0.0);
    tally.check("sentence_bleu_ref_len", id, s.at("sentence_bleu_ref_len"),
                static_cast<double>(r.ref_len), 0.0);
  }
  tally.print("sacreBLEU sentence BLEU vs cases.jsonl");
  EXPECT_EQ(tally.keys().at("sentence_bleu").compared, 256);
}

TEST(BleuChrfVectors, SacreBleuSignatureIsSacreBleus) {
  const eval::SacreBleu bleu;
  EXPECT_EQ(bleu.signature(), "nrefs:1|case:mixed|eff:yes|tok:13a|smooth:exp|version:2.6.0");
  const json corpus = load_corpus();
  const json& all = corpus.at("subsets").at("all");
  std::vector<std::vector<std::string>> multi;
  std::vector<std::vector<std::string>> single;
  for (const json& c : load_cases()) {
    multi.push_back(refs_of(c));
    single.push_back({refs_of(c).front()});
  }
  EXPECT_EQ(bleu.signature_for(eval::ScoreLevel::corpus, single),
            all.at("sacrebleu").at("corpus_bleu_single_ref_signature"));
  EXPECT_EQ(bleu.signature_for(eval::ScoreLevel::corpus, multi),
            all.at("sacrebleu").at("corpus_bleu_multi_ref_signature"));
  const eval::Chrf chrf;
  EXPECT_EQ(chrf.signature_for(eval::ScoreLevel::corpus, single),
            all.at("sacrebleu").at("corpus_chrf_single_ref_signature"));
  EXPECT_EQ(chrf.signature_for(eval::ScoreLevel::corpus, multi),
            all.at("sacrebleu").at("corpus_chrf_multi_ref_signature"));
  eval::ChrfOptions pp;
  pp.word_order = 2;
  EXPECT_EQ(eval::Chrf(pp).signature(),
            "nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0");
}

TEST(BleuChrfVectors, ChrfAndChrfPlusPlusMatchEveryCase) {
  const auto cases = load_cases();
  const eval::Chrf chrf;
  eval::ChrfOptions pp_options;
  pp_options.word_order = 2;
  const eval::Chrf chrfpp(pp_options);
  Tally tally;
  for (const json& c : cases) {
    const std::string id = c.at("id");
    const json& s = c.at("scores").at("sacrebleu");
    const std::string cand = c.at("candidate");
    tally.check("sentence_chrf", id, s.at("sentence_chrf"), chrf.sentence(cand, refs_of(c)).score,
                kSacreTolerance);
    tally.check("sentence_chrfpp", id, s.at("sentence_chrfpp"),
                chrfpp.sentence(cand, refs_of(c)).score, kSacreTolerance);
  }
  tally.print("sacreBLEU chrF / chrF++ vs cases.jsonl");
  EXPECT_EQ(tally.keys().at("sentence_chrf").compared, 256);
}

TEST(BleuChrfVectors, NltkSentenceBleuMatchesEveryCaseAndMethod) {
  const auto cases = load_cases();
  Tally tally;
  int method6_errors = 0;
  for (const json& c : cases) {
    const std::string id = c.at("id");
    const json& s = c.at("scores").at("nltk");
    const std::string cand = c.at("candidate");
    for (int method = -1; method <= 7; ++method) {
      const std::string key =
          method < 0 ? "sentence_bleu_none" : "sentence_bleu_method" + std::to_string(method);
      eval::NltkBleuOptions options;
      options.smoothing = method;
      const eval::NltkBleu bleu(options);
      if (s.at(key).is_null()) {
        // NLTK raised; we must report an error, never a number.
        EXPECT_THROW(bleu.sentence(cand, refs_of(c)), Error) << key << " " << id;
        tally.count_null(key);
        ++method6_errors;
        continue;
      }
      tally.check(key, id, s.at(key), bleu.sentence(cand, refs_of(c)).score, kTolerance);
    }
  }
  tally.print("NLTK sentence_bleu vs cases.jsonl");
  EXPECT_EQ(method6_errors, 61);  // the README's count of AssertionErrors
  for (const auto& [key, a] : tally.keys()) EXPECT_EQ(a.compared, 256) << key;
}

// The corpus-level keys of one subset, for single or multi-reference streams.
struct Subset {
  std::vector<std::string> candidates;
  std::vector<std::vector<std::string>> references;
};

Subset subset_of(const std::vector<json>& cases, const json& ids, bool multi_ref) {
  std::map<std::string, const json*> by_id;
  for (const json& c : cases) by_id[c.at("id")] = &c;
  Subset s;
  for (const json& id : ids) {
    const json& c = *by_id.at(id.get<std::string>());
    s.candidates.push_back(c.at("candidate"));
    auto refs = refs_of(c);
    if (!multi_ref) refs.resize(1);
    s.references.push_back(refs);
  }
  return s;
}

TEST(BleuChrfVectors, CorpusScoresMatchEverySubset) {
  const auto cases = load_cases();
  const json corpus = load_corpus();
  const eval::SacreBleu bleu;  // corpus level: eff:no, as BLEU().corpus_score
  const eval::Chrf chrf;
  eval::ChrfOptions pp_options;
  pp_options.word_order = 2;
  const eval::Chrf chrfpp(pp_options);
  eval::NltkBleuOptions method1;
  method1.smoothing = 1;
  const eval::NltkBleu nltk_none;
  const eval::NltkBleu nltk_method1(method1);
  Tally tally;
  int subsets = 0;
  for (const auto& [name, sub] : corpus.at("subsets").items()) {
    ++subsets;
    for (const bool multi : {false, true}) {
      const std::string ref = multi ? "multi_ref" : "single_ref";
      const Subset s = subset_of(cases, sub.at("ids"), multi);
      const json& sacre = sub.at("sacrebleu");
      const auto r = bleu.corpus_result(s.candidates, s.references);
      const std::string k = "corpus_bleu_" + ref;
      tally.check(k, name, sacre.at(k), r.score, kSacreTolerance);
      tally.check(k + "_bp", name, sacre.at(k + "_bp"), r.bp, kSacreTolerance);
      tally.check(k + "_sys_len", name, sacre.at(k + "_sys_len"), static_cast<double>(r.sys_len),
                  0.0);
      tally.check(k + "_ref_len", name, sacre.at(k + "_ref_len"), static_cast<double>(r.ref_len),
                  0.0);
      for (std::size_t n = 0; n < 4; ++n) {
        const std::string p = k + "_p" + std::to_string(n + 1);
        tally.check(p, name, sacre.at(p), r.precisions[n], kSacreTolerance);
        tally.check(k + "_counts", name, sacre.at(k + "_counts")[n], r.counts[n], 0.0);
        tally.check(k + "_totals", name, sacre.at(k + "_totals")[n], r.totals[n], 0.0);
      }
      tally.check("corpus_chrf_" + ref, name, sacre.at("corpus_chrf_" + ref),
                  chrf.corpus(s.candidates, s.references).score, kSacreTolerance);
      tally.check("corpus_chrfpp_" + ref, name, sacre.at("corpus_chrfpp_" + ref),
                  chrfpp.corpus(s.candidates, s.references).score, kSacreTolerance);
      const json& nltk = sub.at("nltk");
      tally.check("nltk_corpus_bleu_" + ref + "_none", name,
                  nltk.at("corpus_bleu_" + ref + "_none"),
                  nltk_none.corpus(s.candidates, s.references).score, kTolerance);
      tally.check("nltk_corpus_bleu_" + ref + "_method1", name,
                  nltk.at("corpus_bleu_" + ref + "_method1"),
                  nltk_method1.corpus(s.candidates, s.references).score, kTolerance);
    }
  }
  tally.print("corpus-level scores vs corpus.json");
  EXPECT_EQ(subsets, 5);
}

}  // namespace
}  // namespace reasonrec::test
