#pragma once

// Helpers shared by the ROUGE / METEOR / Porter / WordNet tests: the public test vectors in
// ../shared/metrics and a live NLTK (Debian's /usr/bin/python3) that reads WordNet from
// /usr/share/wordnet without nltk_data.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {

inline std::filesystem::path metrics_dir() {
  return shared_dir() / "metrics";
}

// cases.jsonl: one JSON object per case.
inline std::vector<nlohmann::json> load_metric_cases() {
  std::ifstream in(metrics_dir() / "cases.jsonl");
  std::vector<nlohmann::json> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) cases.push_back(nlohmann::json::parse(line));
  }
  return cases;
}

inline std::vector<std::string> case_references(const nlohmann::json& c) {
  return c.at("references").get<std::vector<std::string>>();
}

// An nltk_data folder whose corpora/wordnet points at Debian's wordnet-base files, built by
// the peer's own setup script in ../shared/metrics (once per test process; it only holds
// links and the small lexnames file).
inline std::string nltk_data_dir() {
  static const std::string dir = [] {
    // One folder per process: CTest runs tests in parallel processes.
    const auto root = std::filesystem::path(REASONREC_BINARY_DIR) / "test-scratch" /
                      ("nltk_data-" + std::to_string(::getpid()));
    const RunResult r =
        run_program({"/usr/bin/python3", (metrics_dir() / "nltk_reference.py").string(),
                     "setup-wordnet", root.string()});
    if (r.exit_code != 0) throw std::runtime_error("WordNet setup for NLTK failed: " + r.err);
    return root.string();
  }();
  return dir;
}

// Python prelude that makes `wordnet`, `PorterStemmer`, `meteor_score` and `word_tokenize`
// usable; sys.argv[1] must be the nltk_data folder.
constexpr const char* kNltkPrelude = R"PY(
import sys, json, gzip, random, warnings
warnings.filterwarnings("ignore")
import nltk
nltk.data.path.insert(0, sys.argv[1])
from nltk.corpus import wordnet
from nltk.stem.porter import PorterStemmer
from nltk.translate.meteor_score import meteor_score
from nltk.tokenize import word_tokenize

REVIEW_FILES = [
    "amazon2014_musical_instruments_5core/reviews_Musical_Instruments_5.json.gz",
    "amazon2018_all_beauty_5core/All_Beauty_5.json.gz",
    "amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz",
]

def reviews(data_dir):
    """(item, reviewText, summary) of every review in the shared review files, in file order."""
    out = []
    for name in REVIEW_FILES:
        with gzip.open(data_dir + "/" + name, "rt", encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                out.append((d.get("asin", ""), d.get("reviewText") or "", d.get("summary") or ""))
    return out
)PY";

// Runs kNltkPrelude + body with argv [nltk_data, shared data dir, extra...] and parses stdout
// as one JSON document.
inline nlohmann::json run_nltk(const std::string& body,
                               const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args{nltk_data_dir(), (shared_dir() / "data").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  const RunResult r = run_python(std::string(kNltkPrelude) + body, args);
  if (r.exit_code != 0) throw std::runtime_error("NLTK reference script failed: " + r.err);
  return nlohmann::json::parse(r.out);
}

}  // namespace reasonrec::test
