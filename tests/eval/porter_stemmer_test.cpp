// NLTK 3.8's PorterStemmer in all three modes: the peer's stem list and a live NLTK on review
// vocabulary.
#include "eval/porter_stemmer.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "nltk_reference.hpp"

namespace reasonrec::test {
namespace {

using eval::PorterStemmer;

TEST(PorterStemmer, MatchesEveryRowOfThePeersStemList) {
  std::ifstream in(metrics_dir() / "porter_stems.tsv");
  ASSERT_TRUE(in) << "missing " << (metrics_dir() / "porter_stems.tsv");
  std::string line;
  std::getline(in, line);  // header
  const PorterStemmer stemmer;
  std::size_t rows = 0;
  std::size_t wrong = 0;
  while (std::getline(in, line)) {
    const std::size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    const std::string word = line.substr(0, tab);
    const std::string expected = line.substr(tab + 1);
    ++rows;
    if (stemmer.stem(word) != expected) {
      ++wrong;
      ADD_FAILURE() << word << ": NLTK " << expected << ", ours " << stemmer.stem(word);
    }
  }
  EXPECT_EQ(rows, 1335U);
  EXPECT_EQ(wrong, 0U);
}

// The differences the peer's README documents between NLTK's default and the original.
TEST(PorterStemmer, DocumentedModeDifferences) {
  const PorterStemmer nltk;
  const PorterStemmer original(PorterStemmer::Mode::OriginalAlgorithm);
  const std::vector<std::tuple<std::string, std::string, std::string>> rows = {
      {"as", "as", "a"},
      {"is", "is", "i"},
      {"skies", "sky", "ski"},
      {"dying", "die", "dy"},
      {"news", "news", "new"},
      {"buying", "buy", "bui"},
      {"days", "day", "dai"},
      {"crying", "cri", "cry"},
      {"fly", "fli", "fly"},
      {"biology", "biolog", "biologi"},
      {"conditionally", "condit", "condition"},
      {"carefully", "care", "carefulli"}};
  for (const auto& [word, nltk_stem, original_stem] : rows) {
    EXPECT_EQ(nltk.stem(word), nltk_stem) << word;
    EXPECT_EQ(original.stem(word), original_stem) << word;
  }
}

// About 22,000 distinct tokens: 18,000 of real reviews (raw str.split() pieces with their
// punctuation, plus lowercase alphabetic words), the public vectors' tokens and 2,000
// Unicode variants, stemmed by NLTK in every mode.
TEST(PorterStemmer, MatchesLiveNltkOnReviewVocabularyInEveryMode) {
  const nlohmann::json rows = run_nltk(R"PY(
import re
words = set()
for _, text, summary in reviews(sys.argv[2]):
    for t in (text, summary):
        for w in t.split():
            words.add(w)
        for w in re.findall(r"[A-Za-z]+", t):
            words.add(w.lower())
words = sorted(words)
rng = random.Random(7)
rng.shuffle(words)
words = words[:18000]
# The reviews are ASCII; the public vectors' tokens and synthetic variants bring Unicode
# (accents, dotted I, Greek sigma, CJK) into consonant positions, the length guard and lower().
with open(sys.argv[3], encoding="utf-8") as f:
    for line in f:
        d = json.loads(line)
        for t in [d["candidate"]] + d["references"]:
            words += t.split() + t.lower().split()
extra = ["\u00e9", "\u00c9", "\u0130", "\u0131", "\u03a3", "\u00df", "\u4e2d", "\u2019",
         "\U0001f600", "\u017f", "\u0301"]
for w in words[:2000]:
    k = rng.randrange(len(w) + 1)
    v = w[:k] + rng.choice(extra) + w[k:]
    words.append(v.upper() if rng.random() < 0.3 else v)
words = sorted(set(words))
modes = [PorterStemmer(m) for m in ("NLTK_EXTENSIONS", "MARTIN_EXTENSIONS", "ORIGINAL_ALGORITHM")]
print(json.dumps([[w] + [m.stem(w) for m in modes] for w in words]))
)PY",
                                       {(metrics_dir() / "cases.jsonl").string()});
  ASSERT_GT(rows.size(), 20000U);
  const std::vector<PorterStemmer> stemmers = {
      PorterStemmer(PorterStemmer::Mode::NltkExtensions),
      PorterStemmer(PorterStemmer::Mode::MartinExtensions),
      PorterStemmer(PorterStemmer::Mode::OriginalAlgorithm)};
  std::size_t wrong = 0;
  std::size_t non_ascii = 0;
  for (const auto& row : rows) {
    const std::string word = row[0].get<std::string>();
    non_ascii += std::any_of(word.begin(), word.end(), [](char c) { return c & 0x80; }) ? 1 : 0;
    for (std::size_t m = 0; m < stemmers.size(); ++m) {
      const std::string expected = row[m + 1].get<std::string>();
      const std::string ours = stemmers[m].stem(word);
      if (ours != expected && ++wrong <= 20) {
        ADD_FAILURE() << PorterStemmer::mode_name(stemmers[m].mode()) << " " << word << ": NLTK "
                      << expected << ", ours " << ours;
      }
    }
  }
  EXPECT_EQ(wrong, 0U);
  EXPECT_GT(non_ascii, 50U) << "the sample should exercise non-ASCII words";
}

TEST(PorterStemmer, LengthAndIrregularFormQuirks) {
  const PorterStemmer stemmer;
  // The irregular-forms table is consulted before lowercasing, so "Skies" takes the normal
  // path; the 1-2 character guard counts code points, not bytes.
  EXPECT_EQ(stemmer.stem("Skies"), "ski");
  EXPECT_EQ(stemmer.stem("skies"), "sky");
  EXPECT_EQ(stemmer.stem("\xc3\xa9s"), "\xc3\xa9s");  // "és": 2 code points, left alone
  EXPECT_EQ(stemmer.stem(""), "");
}

}  // namespace
}  // namespace reasonrec::test
