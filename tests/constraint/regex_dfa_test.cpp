#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "engine/constraint/byte_dfa.hpp"
#include "engine/constraint/regex.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::engine {
namespace {

bool dfa_matches(const ByteDfa& dfa, const std::string& text) {
  const int state = dfa.walk(dfa.start(), text);
  return state != ByteDfa::kDead && dfa.accepting(state);
}

// Random strings over a small alphabet, compared with std::regex full matching (ECMAScript
// grammar agrees with ours on these patterns).
TEST(RegexDfa, AgreesWithStdRegexOnRandomStrings) {
  const std::vector<std::string> patterns = {
      "ab*c",         "(ab|a)c?", "a{2,3}b",   "[a-c]+",      "[^a]*b",         "(a|b)*abb",
      "x?y+z*",       "a.c",      "(?:ab){2}", "\\d+\\.\\d*", "[ab]{0,2}c{1,}", "a|b|",
      "#[^#]|##[^#]", "(a|#)*#c", "\\s\\w\\S", "[-a]+",       "a{3}",           "(a*)*b",
  };
  const std::string alphabet = "abcxyz#.1 -";
  Rng rng(7);
  for (const std::string& pattern : patterns) {
    const ByteDfa dfa(compile_regex(pattern));
    const std::regex reference(pattern, std::regex::ECMAScript);
    for (int trial = 0; trial < 400; ++trial) {
      std::string text;
      const auto length = rng.below(7);
      for (std::uint64_t i = 0; i < length; ++i) {
        text += alphabet[rng.below(alphabet.size())];
      }
      EXPECT_EQ(dfa_matches(dfa, text), std::regex_match(text, reference))
          << "pattern " << pattern << " text '" << text << "'";
    }
  }
}

TEST(RegexDfa, NegatedClassesAdmitUtf8Text) {
  const ByteDfa dfa(compile_regex("[^#]+"));
  EXPECT_TRUE(dfa_matches(dfa, "caf\xc3\xa9 \xf0\x9f\x98\x80 \xe5\xa5\xbd"));
  EXPECT_FALSE(dfa_matches(dfa, "a#b"));
}

TEST(RegexDfa, LiteralUtf8OutsideClasses) {
  const ByteDfa dfa(compile_regex("\xe2\x98\x85{2}"));  // two black stars
  EXPECT_TRUE(dfa_matches(dfa, "\xe2\x98\x85\xe2\x98\x85"));
  EXPECT_FALSE(dfa_matches(dfa, "\xe2\x98\x85"));
}

TEST(RegexDfa, CostToFinishIsTheShortestCompletion) {
  const ByteDfa dfa(compile_regex("abc(d|efg)"));
  EXPECT_EQ(dfa.cost_to_finish(dfa.start()), 4);
  const int after_c = dfa.walk(dfa.start(), "abc");
  EXPECT_EQ(dfa.cost_to_finish(after_c), 1);
  const int done = dfa.walk(dfa.start(), "abcd");
  EXPECT_EQ(dfa.cost_to_finish(done), 0);
  EXPECT_TRUE(dfa.final(done));
  EXPECT_FALSE(dfa.final(after_c));
  // An accepting state that could go on costs the end token.
  const ByteDfa optional(compile_regex("ab(cd)?"));
  EXPECT_EQ(optional.cost_to_finish(optional.walk(optional.start(), "ab")), 1);
  EXPECT_EQ(optional.cost_to_finish(optional.start()), 3);
}

TEST(RegexDfa, SyntaxErrorsNameThePosition) {
  auto message = [](const std::string& pattern) {
    try {
      compile_regex(pattern);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("ab(c").find("missing ')'"), std::string::npos);
  EXPECT_NE(message("a)").find("position 2"), std::string::npos);
  EXPECT_NE(message("*a").find("quantifier"), std::string::npos);
  EXPECT_NE(message("[abc").find("missing ']'"), std::string::npos);
  EXPECT_NE(message("a{3,2}").find("n < m"), std::string::npos);
  EXPECT_NE(message("a{5000}").find("above 1000"), std::string::npos);
  EXPECT_NE(message("\\q").find("unsupported escape"), std::string::npos);
  EXPECT_NE(message("[\xc3\xa9]").find("non-ASCII"), std::string::npos);
  EXPECT_NE(message("[z-a]").find("out of order"), std::string::npos);
}

std::string compile_error(const std::string& pattern) {
  try {
    ByteDfa dfa(compile_regex(pattern));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

// docs/constraints.md: anchors only at the ends (where whole-output matching makes them
// redundant), lazy quantifiers and lookaround refused with their position.
TEST(RegexDfa, AnchorsLazyQuantifiersAndLookaroundAsDocumented) {
  const ByteDfa anchored(compile_regex("^[1-5]$"));
  EXPECT_TRUE(dfa_matches(anchored, "3"));
  EXPECT_FALSE(dfa_matches(anchored, "^3$"));
  const ByteDfa escaped(compile_regex("\\^a\\$"));
  EXPECT_TRUE(dfa_matches(escaped, "^a$"));
  EXPECT_NE(compile_error("a^b").find("position 2: anchor '^'"), std::string::npos);
  EXPECT_NE(compile_error("a$b").find("position 2: anchor '$'"), std::string::npos);
  EXPECT_NE(compile_error("a*?").find("position 3: lazy quantifiers"), std::string::npos);
  EXPECT_NE(compile_error("a{2,3}?").find("lazy quantifiers"), std::string::npos);
  EXPECT_NE(compile_error("a++").find("cannot follow a quantifier"), std::string::npos);
  EXPECT_NE(compile_error("(?=a)b").find("lookaround"), std::string::npos);
  EXPECT_NE(compile_error("(a)\\1").find("unsupported escape"), std::string::npos);
}

// Hostile patterns from a client: each is refused quickly with a clear error, not by crashing
// the server (stack overflow) or compiling for minutes.
TEST(RegexDfa, HostilePatternsAreRefusedNotObeyed) {
  const std::string deep = std::string(20'000, '(') + "a" + std::string(20'000, ')');
  EXPECT_NE(compile_error(deep).find("groups nested deeper than 100"), std::string::npos);
  const std::string questions = "a" + std::string(100'000, '?');
  EXPECT_NE(compile_error(questions).find("lazy quantifiers"), std::string::npos);
  const std::string stars = "a*" + std::string(100'000, '*');
  EXPECT_NE(compile_error(stars).find("cannot follow a quantifier"), std::string::npos);
  EXPECT_NE(compile_error("[ab]*a[ab]{13}(.*){1000}").find("too complex"), std::string::npos);
  // 100 levels still compile.
  const std::string fine = std::string(100, '(') + "a" + std::string(100, ')');
  EXPECT_EQ(compile_error(fine), "no error");
}

TEST(RegexDfa, TooComplexAutomataAreRefused) {
  // (a|b)*a(a|b){12} needs 2^13 DFA states.
  EXPECT_THROW(ByteDfa(compile_regex("(a|b)*a(a|b){12}"), 1000), UsageError);
}

}  // namespace
}  // namespace reasonrec::engine
