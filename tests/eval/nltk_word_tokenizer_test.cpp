// NLTK 3.8's word_tokenize(preserve_line=True), live, on real reviews and adversarial strings.
#include "eval/nltk_word_tokenizer.hpp"

#include <gtest/gtest.h>

#include "nltk_reference.hpp"

namespace reasonrec::test {
namespace {

TEST(NltkWordTokenize, MatchesLiveNltkOnReviewsCasesAndFuzz) {
  // Every third review (text and summary) of the shared review files, every text of the public
  // vectors, and 30,000 random strings over the characters NLTK's regexes care about
  // (quotes, clitics, contractions, periods, Unicode quotes, Greek sigma, long s, dotted I),
  // 10,000 of them pure ASCII (which takes the byte path).
  const nlohmann::json rows = run_nltk(R"PY(
texts = []
for k, (item, text, summary) in enumerate(reviews(sys.argv[2])):
    if k % 3 == 0:
        texts += [text, summary]
with open(sys.argv[3], encoding="utf-8") as f:
    for line in f:
        d = json.loads(line)
        texts += [d["candidate"]] + d["references"]
alphabet = list("aAsStTdDnNmMiI'\"`.,:;!?*()[]{}<>-$%&@# \t\n0123456789") + [
    "\u00ab", "\u00bb", "\u201c", "\u201d", "\u2018", "\u2019", "\u201e", "\u017f", "\u0130",
    "\u0131", "\u03a3", "\u0663", "\u00a0", "can", "not", "gon", "na", "wan", "'t", "is", "was",
    "'ll", "n't", "'re", "d'ye", "more'n", "gim", "me", "...", "'s", "'S"]
rng = random.Random(5)
for _ in range(20000):
    texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25))))
ascii_alphabet = [a for a in alphabet if a.isascii()]  # the byte fast path
for _ in range(10000):
    texts.append("".join(rng.choice(ascii_alphabet) for _ in range(rng.randint(0, 25))))
print(json.dumps([[t, word_tokenize(t, preserve_line=True)] for t in texts]))
)PY",
                                       {(metrics_dir() / "cases.jsonl").string()});
  ASSERT_GT(rows.size(), 35000U);
  std::size_t wrong = 0;
  for (const auto& row : rows) {
    const auto text = row[0].get<std::string>();
    const auto expected = row[1].get<std::vector<std::string>>();
    if (eval::nltk_word_tokenize(text) != expected && ++wrong <= 20) {
      ADD_FAILURE() << "text: " << nlohmann::json(text).dump();
    }
  }
  EXPECT_EQ(wrong, 0U);
}

TEST(NltkWordTokenize, DocstringExample) {
  // NLTKWordTokenizer's docstring.
  const std::string s =
      "Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of "
      "them.\nThanks.";
  EXPECT_EQ(eval::nltk_word_tokenize(s),
            (std::vector<std::string>{"Good", "muffins", "cost", "$",  "3.88",  "(",      "roughly",
                                      "3,36", "euros",   ")",    "in", "New",   "York.",  "Please",
                                      "buy",  "me",      "two",  "of", "them.", "Thanks", "."}));
  EXPECT_TRUE(eval::nltk_word_tokenize("").empty());
  EXPECT_EQ(eval::nltk_word_tokenize("I can't \"do\" it"),
            (std::vector<std::string>{"I", "ca", "n't", "``", "do", "''", "it"}));
}

}  // namespace
}  // namespace reasonrec::test
