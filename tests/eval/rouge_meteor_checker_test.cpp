// The peer's own checker (../shared/metrics/check.py) run over our ROUGE and METEOR scores of
// every public case, per case and at corpus level.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <map>

#include "eval/meteor.hpp"
#include "eval/rouge.hpp"
#include "nltk_reference.hpp"

namespace reasonrec::test {
namespace {

using eval::MeteorMetric;
using eval::MeteorTokenizer;
using eval::RougeScorer;
using eval::RougeType;

// {"id", "scores": {"rouge_score": {24 keys}, "nltk": {"meteor_ws", "meteor_wordtok_..."}}}
nlohmann::json our_scores(const nlohmann::json& c, const MeteorMetric& ws,
                          const MeteorMetric& wordtok) {
  const auto candidate = c.at("candidate").get<std::string>();
  const auto references = case_references(c);
  nlohmann::json rouge = nlohmann::json::object();
  for (const bool stem : {false, true}) {
    const RougeScorer scorer({RougeType::parse("rouge1"), RougeType::parse("rouge2"),
                              RougeType::parse("rougeL"), RougeType::parse("rougeLsum")},
                             stem);
    const auto scores = scorer.score_multi(references, candidate);
    for (std::size_t k = 0; k < scores.size(); ++k) {
      const std::string base = scorer.types()[k].name;
      const std::string suffix = stem ? "_stem" : "";
      rouge[base + "_precision" + suffix] = scores[k].precision;
      rouge[base + "_recall" + suffix] = scores[k].recall;
      rouge[base + "_fmeasure" + suffix] = scores[k].fmeasure;
    }
  }
  nlohmann::json nltk = {
      {"meteor_ws", ws.sentence(candidate, references).score},
      {"meteor_wordtok_preserve_line", wordtok.sentence(candidate, references).score}};
  return {{"id", c.at("id")}, {"scores", {{"rouge_score", rouge}, {"nltk", nltk}}}};
}

RunResult run_checker(const std::filesystem::path& cases, const std::filesystem::path& corpus) {
  return run_program({"/usr/bin/python3", (metrics_dir() / "check.py").string(), cases.string(),
                      "--only", "rouge_score", "nltk.meteor", "--corpus", corpus.string(), "--tol",
                      "1e-4"});
}

TEST(RougeMeteorChecker, PeerCheckerPassesOnEveryCaseAndSubset) {
  const auto wordnet = eval::WordNet::load();
  const MeteorMetric ws(wordnet, MeteorTokenizer::Whitespace);
  const MeteorMetric wordtok(wordnet, MeteorTokenizer::NltkWordTokenize);
  const auto cases = load_metric_cases();
  std::map<std::string, nlohmann::json> by_id;
  const auto dir = scratch_dir();
  {
    std::ofstream out(dir / "ours.jsonl");
    for (const auto& c : cases) {
      const auto row = our_scores(c, ws, wordtok);
      by_id[row.at("id").get<std::string>()] = row;
      out << row.dump() << "\n";
    }
  }
  // rouge_score_mean: the plain mean of the per-case F values of each subset.
  std::ifstream in(metrics_dir() / "corpus.json");
  const nlohmann::json reference = nlohmann::json::parse(in);
  nlohmann::json corpus = {{"subsets", nlohmann::json::object()}};
  for (const auto& [subset, data] : reference.at("subsets").items()) {
    nlohmann::json means = nlohmann::json::object();
    const auto ids = data.at("ids").get<std::vector<std::string>>();
    for (const auto& [key, value] : data.at("rouge_score_mean").items()) {
      double sum = 0.0;
      for (const auto& id : ids) {
        sum += by_id.at(id).at("scores").at("rouge_score").at(key).get<double>();
      }
      means[key] = sum / static_cast<double>(ids.size());
    }
    corpus["subsets"][subset] = {{"rouge_score_mean", means}};
  }
  std::ofstream(dir / "ours_corpus.json") << corpus.dump();

  const RunResult r = run_checker(dir / "ours.jsonl", dir / "ours_corpus.json");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("RESULT: OK"), std::string::npos) << r.out;
  std::cout << r.out;

  // The same checker rejects a single perturbed value, so passing above means something.
  auto broken = by_id.at("p0079");
  broken["scores"]["nltk"]["meteor_ws"] =
      broken["scores"]["nltk"]["meteor_ws"].get<double>() + 1e-3;
  {
    std::ofstream out(dir / "broken.jsonl");
    for (const auto& [id, row] : by_id) out << (id == "p0079" ? broken : row).dump() << "\n";
  }
  EXPECT_EQ(run_checker(dir / "broken.jsonl", dir / "ours_corpus.json").exit_code, 1);
}

}  // namespace
}  // namespace reasonrec::test
