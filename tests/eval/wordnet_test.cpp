// WordNet 3.0 read from the WNDB files, against the peer's synonym sets and a live NLTK.
#include "eval/wordnet.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "eval/porter_stemmer.hpp"
#include "nltk_reference.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using eval::WordNet;

const WordNet& wordnet() {
  static const auto wn = WordNet::load();
  return *wn;
}

std::vector<std::string> as_strings(const std::vector<std::string_view>& views) {
  return {views.begin(), views.end()};
}

TEST(WordNet, MatchesThePeersSynonymSets) {
  std::ifstream in(metrics_dir() / "wordnet_synonyms.jsonl");
  ASSERT_TRUE(in);
  std::string line;
  std::size_t rows = 0;
  std::size_t with_synonyms = 0;
  while (std::getline(in, line)) {
    const auto row = nlohmann::json::parse(line);
    const auto word = row.at("word").get<std::string>();
    const auto expected = row.at("synonyms").get<std::vector<std::string>>();
    EXPECT_EQ(as_strings(wordnet().meteor_synonyms(word)), expected) << word;
    ++rows;
    with_synonyms += expected.size() > 1 ? 1 : 0;
  }
  EXPECT_EQ(rows, 1335U);
  EXPECT_GT(with_synonyms, 300U);
}

// ~4,500 review words and their Porter stems (METEOR looks synonyms up on stems, and stems
// such as "automobil" or "happi" exercise morphy's failure paths), against NLTK's
// synsets() -> lemma names, plus NLTK's morphy for every part of speech.
TEST(WordNet, MatchesLiveNltkOnReviewWordsAndTheirStems) {
  const nlohmann::json rows = run_nltk(R"PY(
import re
words = set()
for _, text, _ in reviews(sys.argv[2]):
    for w in re.findall(r"[A-Za-z']+", text):
        words.add(w.lower())
words = sorted(words)
random.Random(11).shuffle(words)
stemmer = PorterStemmer()
sample = sorted(set(words[:2500]) | {stemmer.stem(w) for w in words[:2500]})
def synonyms(w):
    s = set(l.name() for ss in wordnet.synsets(w) for l in ss.lemmas() if l.name().find("_") < 0)
    return sorted(s | {w})
print(json.dumps([[w, synonyms(w), [wordnet._morphy(w, p) for p in "nvar"]] for w in sample]))
)PY");
  ASSERT_GT(rows.size(), 3500U);
  const std::array<WordNet::Pos, 4> pos = {WordNet::Pos::Noun, WordNet::Pos::Verb,
                                           WordNet::Pos::Adj, WordNet::Pos::Adv};
  std::size_t wrong = 0;
  for (const auto& row : rows) {
    const auto word = row[0].get<std::string>();
    const auto expected = row[1].get<std::vector<std::string>>();
    if (as_strings(wordnet().meteor_synonyms(word)) != expected && ++wrong <= 20) {
      ADD_FAILURE() << "synonyms of " << word;
    }
    for (std::size_t p = 0; p < pos.size(); ++p) {
      const auto forms = row[2][p].get<std::vector<std::string>>();
      if (wordnet().morphy(word, pos[p]) != forms && ++wrong <= 20) {
        ADD_FAILURE() << "morphy(" << word << ", "
                      << "nvar"[p] << ")";
      }
    }
  }
  EXPECT_EQ(wrong, 0U);
}

// The examples of NLTK's morphy docstring.
TEST(WordNet, MorphyDocstringExamples) {
  using P = WordNet::Pos;
  EXPECT_EQ(wordnet().morphy("dogs", P::Noun), std::vector<std::string>{"dog"});
  EXPECT_EQ(wordnet().morphy("churches", P::Noun), std::vector<std::string>{"church"});
  EXPECT_EQ(wordnet().morphy("aardwolves", P::Noun), std::vector<std::string>{"aardwolf"});
  EXPECT_EQ(wordnet().morphy("abaci", P::Noun), std::vector<std::string>{"abacus"});
  EXPECT_TRUE(wordnet().morphy("hardrock", P::Adv).empty());
  EXPECT_EQ(wordnet().morphy("book", P::Noun), std::vector<std::string>{"book"});
  EXPECT_TRUE(wordnet().morphy("book", P::Adj).empty());
}

TEST(WordNet, SynsetsAndLemmaNames) {
  // "auto" stems to itself and has "car" as a synonym (the peer's README, case p0080).
  const auto synonyms = as_strings(wordnet().meteor_synonyms("auto"));
  EXPECT_NE(std::find(synonyms.begin(), synonyms.end(), "car"), synonyms.end());
  EXPECT_TRUE(wordnet().synsets("automobil").empty());
  // WordNet 3.0 lists 82,115 noun synsets; every synset of a common word resolves.
  EXPECT_FALSE(wordnet().synsets("Dog").empty());
  for (const auto& s : wordnet().synsets("dog")) EXPECT_FALSE(wordnet().lemma_names(s).empty());
  EXPECT_GT(wordnet().lemma_count(), 140000U);
}

TEST(WordNet, MissingOrBrokenFilesAreNamedInTheError) {
  const auto dir = scratch_dir();
  try {
    WordNet::load(dir);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(e.file().find("index.noun"), std::string::npos) << e.what();
  }
  for (const char* name :
       {"index.noun", "index.verb", "index.adj", "index.adv", "data.noun", "data.verb", "data.adj",
        "data.adv", "noun.exc", "verb.exc", "adj.exc", "adv.exc"}) {
    std::ofstream(dir / name) << "";
  }
  std::ofstream(dir / "index.verb") << "  1 license line\nrun v 2 0 3 0 00001 00002\n";
  try {
    WordNet::load(dir);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(e.file().find("index.verb"), std::string::npos) << e.what();
    EXPECT_EQ(e.line(), 2U);
  }
  // An index entry pointing at no synset of the data file.
  std::ofstream(dir / "index.verb") << "run v 1 0 1 0 00000042\n";
  try {
    WordNet::load(dir);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(e.file().find("index.verb"), std::string::npos) << e.what();
    EXPECT_NE(e.reason().find("offset 42"), std::string::npos) << e.what();
  }
  // A minimal valid WordNet: one verb synset.
  std::ofstream(dir / "data.verb") << "00000000 29 v 02 run 0 go_on 0 000 | move fast\n";
  std::ofstream(dir / "index.verb") << "run v 1 0 1 0 00000000\n";
  const auto wn = WordNet::load(dir);
  ASSERT_EQ(wn->synsets("Runs").size(), 1U);
  EXPECT_EQ(as_strings(wn->lemma_names(wn->synsets("run")[0])),
            (std::vector<std::string>{"run", "go_on"}));
  EXPECT_EQ(as_strings(wn->meteor_synonyms("runs")), (std::vector<std::string>{"run", "runs"}));
  EXPECT_THROW(wn->lemma_names({WordNet::Pos::Verb, 7}), InputError);
}

}  // namespace
}  // namespace reasonrec::test
