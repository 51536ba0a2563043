// The 13a tokenizer against Python's `re` running mteval-v13a's substitutions (the rules
// sacreBLEU 2.6.0's Tokenizer13a applies) on random punctuation-heavy Unicode strings.
#include "eval/tokenize_13a.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "eval/bleu_sacre.hpp"
#include "support/run.hpp"

namespace reasonrec::test {
namespace {

using nlohmann::json;

TEST(Tokenize13a, MatchesPythonRegexesOnRandomText) {
  const RunResult r = run_python(R"PY(
import json, random, re, sys
rules = [(re.compile(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])'), r' \1 '),
         (re.compile(r'([^0-9])([\.,])'), r'\1 \2 '),
         (re.compile(r'([\.,])([^0-9])'), r' \1 \2'),
         (re.compile(r'([0-9])(-)'), r'\1 \2 ')]
def tok(line):
    for a, b in [('<skipped>', ''), ('-\n', ''), ('\n', ' '), ('&quot;', '"'), ('&amp;', '&'),
                 ('&lt;', '<'), ('&gt;', '>')]:
        line = line.replace(a, b)
    line = " {} ".format(line)
    for rx, repl in rules:
        line = rx.sub(repl, line)
    return " ".join(line.strip().split())
rng = random.Random(11)
pieces = list("abcXYZ0123456789.,-'\"!?;:()[]{}<>/\\@#$%^&*_+=|~` \t\n") + [
    "&quot;", "&amp;", "&lt;", "&gt;", "&amp;quot;", "<skipped>", "-\n", "\u00e9", "\u2019",
    "\u201c", "\u2014", "\u2026", "\u00a0", "\u3000", "\u4e2d\u6587", "\U0001F44D\U0001F3FD",
    "3.5", "1,000", "$12.99", "e.g.", "U.S.A.", "--", "..."]
cases = ["".join(rng.choice(pieces) for _ in range(rng.randrange(0, 30))) for _ in range(4000)]
json.dump([[c, tok(c)] for c in cases], sys.stdout)
)PY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  int compared = 0;
  for (const json& pair : json::parse(r.out)) {
    const std::string input = pair[0];
    ASSERT_EQ(eval::tokenize_13a(input), pair[1].get<std::string>()) << input;
    ++compared;
  }
  EXPECT_EQ(compared, 4000);
}

TEST(Tokenize13a, SacreBleuRstripsBeforeTokenizing) {
  // sacreBLEU calls tokenizer(sent.rstrip()): a trailing "-\n" loses its newline first and
  // keeps the hyphen, while an inner one joins the words.
  const eval::SacreBleu bleu;
  EXPECT_EQ(bleu.preprocess("well-\n"), "well-");
  EXPECT_EQ(bleu.preprocess("well-\nknown"), "wellknown");
  EXPECT_EQ(bleu.preprocess("Price: $3.50, or 1,000 units."), "Price : $ 3.50 , or 1,000 units .");
  eval::SacreBleuOptions none;
  none.tokenizer = eval::BleuTokenizer::none;
  none.lowercase = true;
  EXPECT_EQ(eval::SacreBleu(none).preprocess("  Keep, AS-is.  \n"), "  keep, as-is.");
}

}  // namespace
}  // namespace reasonrec::test
