#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "engine/constraint/token_constraint.hpp"
#include "prompt/parse_rating.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::engine {
namespace {

constexpr std::int32_t kEos = 0;

// A byte-level vocabulary as real BPE vocabularies have: every single byte, plus merged
// pieces, plus a special token (empty bytes) and EOS.
std::vector<std::string> test_vocabulary() {
  std::vector<std::string> vocab = {"", ""};  // 0: EOS, 1: a special token
  for (int b = 0; b < 256; ++b) vocab.emplace_back(1, static_cast<char>(b));
  for (const char* piece : {"### Reason ###\n",
                            "###",
                            "##",
                            " Reason",
                            " Rating",
                            "\n",
                            "\n\n",
                            " the",
                            " product",
                            " is",
                            " great",
                            "!",
                            " user",
                            " likes",
                            " \xf0\x9f\x98\x80",
                            " caf\xc3\xa9",
                            "5",
                            "4\n",
                            " 3",
                            "\n###",
                            "{\"",
                            "reason",
                            "\": \"",
                            "rating",
                            "\"",
                            "}",
                            "\\\"",
                            "#"}) {
    vocab.emplace_back(piece);
  }
  return vocab;
}

struct Walk {
  std::string text;
  bool finished = false;
  int tokens = 0;
};

// A "model" that picks uniformly among the allowed tokens (the worst case for a constraint:
// a random tiny model) within its token budget.
Walk random_walk(const TokenConstraint& constraint, const TokenTrie& trie, Rng& rng,
                 int max_tokens) {
  Walk walk;
  int state = constraint.start();
  while (walk.tokens < max_tokens) {
    const auto choices = constraint.allowed(state, max_tokens - walk.tokens);
    EXPECT_FALSE(choices.empty());
    if (choices.empty()) break;
    const std::int32_t token = choices[rng.below(choices.size())];
    const int next = constraint.advance(state, token);
    EXPECT_NE(next, TokenConstraint::kRejected) << "an allowed token was rejected";
    ++walk.tokens;
    if (next == TokenConstraint::kFinished) {
      walk.finished = true;
      break;
    }
    walk.text += trie.bytes(token);
    state = next;
    if (constraint.complete(state)) {
      walk.finished = true;
      break;
    }
  }
  return walk;
}

TEST(TokenConstraint, RandomModelAlwaysProducesTheReasonRatingFormat) {
  auto trie = std::make_shared<TokenTrie>(test_vocabulary());
  const TokenConstraint constraint(reason_then_rating_regex(), trie, {kEos});
  const std::regex reference("### Reason ###\\n[\\s\\S]+\\n### Rating ###\\n[1-5]");
  Rng rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    // The budget must cover the shortest answer (33 bytes).
    const int budget =
        constraint.cost_to_finish(constraint.start()) + static_cast<int>(rng.below(60));
    const Walk walk = random_walk(constraint, *trie, rng, budget);
    ASSERT_TRUE(walk.finished) << walk.text;
    EXPECT_LE(walk.tokens, budget);
    EXPECT_TRUE(std::regex_match(walk.text, reference)) << walk.text;
    const auto parsed = prompt::parse_rating(walk.text);
    ASSERT_TRUE(parsed.rating.has_value()) << walk.text;
    EXPECT_EQ(parsed.source, prompt::RatingSource::Strict) << walk.text;
    EXPECT_EQ(*parsed.rating, walk.text.back() - '0');
  }
}

TEST(TokenConstraint, RatingOnlyAllowsExactlyTheFiveDigits) {
  auto trie = std::make_shared<TokenTrie>(test_vocabulary());
  const TokenConstraint constraint(rating_only_regex(), trie, {kEos});
  std::vector<std::string> allowed;
  for (std::int32_t t : constraint.allowed(constraint.start())) allowed.push_back(trie->bytes(t));
  EXPECT_EQ(constraint.cost_to_finish(constraint.start()), 1);
  std::sort(allowed.begin(), allowed.end());
  // "5" exists twice (byte token and merged piece); "4\n" is not allowed.
  EXPECT_EQ(allowed, (std::vector<std::string>{"1", "2", "3", "4", "5", "5"}));
  const int after = constraint.advance(constraint.start(), 2 + '3');  // byte token "3"
  EXPECT_TRUE(constraint.accepting(after));
  EXPECT_TRUE(constraint.complete(after));
  const auto after_rating = constraint.allowed(after);  // only the end token can follow
  EXPECT_EQ(std::vector<std::int32_t>(after_rating.begin(), after_rating.end()),
            std::vector<std::int32_t>{kEos});
}

TEST(TokenConstraint, JsonAnswersParseAsJson) {
  auto trie = std::make_shared<TokenTrie>(test_vocabulary());
  const TokenConstraint constraint(json_rating_regex(), trie, {kEos});
  const std::regex reference(R"(\{ ?"reason": ?"([^"\\\n]|\\["\\/nt])*", ?"rating": ?[1-5] ?\})");
  Rng rng(5);
  for (int trial = 0; trial < 200; ++trial) {
    const int budget =
        constraint.cost_to_finish(constraint.start()) + static_cast<int>(rng.below(40));
    const Walk walk = random_walk(constraint, *trie, rng, budget);
    ASSERT_TRUE(walk.finished) << walk.text;
    EXPECT_TRUE(std::regex_match(walk.text, reference)) << walk.text;
  }
}

TEST(TokenConstraint, RejectsTokensOutsideTheLanguage) {
  auto trie = std::make_shared<TokenTrie>(test_vocabulary());
  const TokenConstraint constraint(reason_then_rating_regex(), trie, {kEos});
  const int start = constraint.start();
  EXPECT_EQ(constraint.advance(start, kEos), TokenConstraint::kRejected);  // not complete yet
  EXPECT_EQ(constraint.advance(start, 1), TokenConstraint::kRejected);     // special token
  EXPECT_EQ(constraint.advance(start, 2 + 'x'), TokenConstraint::kRejected);
  EXPECT_EQ(constraint.advance(start, 99999), TokenConstraint::kRejected);
  const auto allowed = constraint.allowed(start);
  EXPECT_TRUE(std::all_of(allowed.begin(), allowed.end(), [&](std::int32_t t) {
    return std::string("### Reason ###\n").starts_with(trie->bytes(t));
  }));
}

TEST(TokenConstraint, BudgetsBelowTheShortestAnswerAllowNothing) {
  auto trie = std::make_shared<TokenTrie>(test_vocabulary());
  const TokenConstraint constraint(reason_then_rating_regex(), trie, {kEos});
  const int needed = constraint.cost_to_finish(constraint.start());
  EXPECT_EQ(needed, 33);  // every byte of the shortest answer, which is final (no end token)
  EXPECT_TRUE(constraint.allowed(constraint.start(), 1).empty());
  // With bytes alone the bound is exact.
  std::vector<std::string> bytes_only = {""};
  for (int b = 0; b < 256; ++b) bytes_only.emplace_back(1, static_cast<char>(b));
  const TokenConstraint byte_level(reason_then_rating_regex(),
                                   std::make_shared<TokenTrie>(bytes_only), {kEos});
  EXPECT_TRUE(byte_level.allowed(byte_level.start(), needed - 1).empty());
  EXPECT_FALSE(byte_level.allowed(byte_level.start(), needed).empty());
  // An accepting state that could go on needs its end token: rating "[1-5]!?".
  const TokenConstraint optional_tail("[1-5]!?", trie, {kEos});
  const int rated = optional_tail.advance(optional_tail.start(), 2 + '4');
  EXPECT_TRUE(optional_tail.accepting(rated));
  EXPECT_FALSE(optional_tail.complete(rated));
  EXPECT_EQ(optional_tail.cost_to_finish(rated), 1);
  const auto last = optional_tail.allowed(rated, 1);
  EXPECT_EQ(std::vector<std::int32_t>(last.begin(), last.end()),
            (std::vector<std::int32_t>{kEos, 2 + '!', 269}));  // "!" (byte and piece) is final
  EXPECT_TRUE(optional_tail.allowed(rated, 0).empty());
}

TEST(TokenConstraint, BuiltinNamesAndUnknownNames) {
  EXPECT_EQ(builtin_constraint_regex("rating"), rating_only_regex());
  EXPECT_EQ(builtin_constraint_regex("reason-rating"), reason_then_rating_regex());
  EXPECT_THROW(builtin_constraint_regex("yaml"), UsageError);
}

}  // namespace
}  // namespace reasonrec::engine
