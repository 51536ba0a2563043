#include <gtest/gtest.h>

#include "prompt/budget.hpp"
#include "prompt/builtin_templates.hpp"
#include "sample_examples.hpp"

namespace reasonrec::prompt {
namespace {

// Exactly one token per whitespace-separated word: budgets in the tests below can be worked
// out by hand. It also shows the counter is pluggable.
class WordCounter final : public TokenCounter {
 public:
  std::size_t count(std::string_view text) const override {
    std::size_t words = 0;
    bool in_word = false;
    for (char c : text) {
      const bool space = c == ' ' || c == '\n' || c == '\t';
      if (!space && !in_word) ++words;
      in_word = !space;
    }
    return words;
  }
  std::string_view name() const override { return "words"; }
};

std::string words(std::size_t n, const std::string& stem) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += (i ? " " : "") + stem + std::to_string(i);
  return out;
}

const std::string kMarker = " \xE2\x80\xA6[truncated]";

TEST(EstimateTokenCounter, TakesTheLargerOfWordAndByteEstimates) {
  const EstimateTokenCounter c;
  EXPECT_EQ(c.count(""), 0u);
  EXPECT_EQ(c.count("a b c d e f"), 8u);               // 6 words * 4/3 = 8 > 11 bytes / 4
  EXPECT_EQ(c.count(std::string(40, 'x')), 10u);       // 1 word, 40 bytes / 4
  EXPECT_EQ(c.count("lotion  smells\n\tlovely"), 6u);  // 3 words -> 4; 22 bytes -> 6
}

TEST(TruncateText, KeepsWholeWordsAndAddsTheMarker) {
  const WordCounter c;
  EXPECT_EQ(truncate_text("one two three", 3, c), "one two three");
  EXPECT_EQ(truncate_text("one two three four", 2, c), "one two" + kMarker);
  EXPECT_EQ(truncate_text("one\n\ntwo three", 1, c), "one" + kMarker);
}

TEST(TruncateText, CutsAnOverlongFirstWordBetweenUtf8Characters) {
  const EstimateTokenCounter c;  // 1 token per 4 bytes for a single word
  std::string word;
  for (int i = 0; i < 20; ++i) word += "\xC3\xA9";    // "é" x 20 = 40 bytes
  const std::string cut = truncate_text(word, 3, c);  // at most 12 bytes: 6 characters
  EXPECT_EQ(cut, word.substr(0, 12) + kMarker);
  // One word counts at least 2 (4/3 rounded up): 8 bytes, 4 characters, after the blanks.
  EXPECT_EQ(truncate_text("  " + word, 2, c), word.substr(0, 8) + kMarker);
  EXPECT_EQ(truncate_text(word, 1, c), kMarker.substr(1));
}

// An example whose reviews have very different lengths (in words).
data::Example uneven_example() {
  data::Example e = test::beauty_example();
  e.history[0].review = words(5, "short");
  e.history[1].review = words(60, "medium");
  e.history[2].review = words(200, "long");
  for (auto& h : e.history) h.item.meta.description = "Small description.";
  e.target.meta.description = "Target description.";
  return e;
}

PromptRequest request_for(const data::Example& e, Ablation ablation = Ablation::None) {
  PromptRequest r;
  r.domain = domain_by_name("beauty");
  r.ablation = ablation;
  r.target.example = e;
  return r;
}

std::size_t full_length(const PromptRequest& r) {
  return WordCounter().count(to_completion(build_prompt(load_builtin_template("cot"), r)));
}

TEST(Budget, PromptUnderBudgetIsUntouched) {
  const auto r = request_for(uneven_example());
  const auto full = full_length(r);
  const auto fitted =
      fit_to_budget(load_builtin_template("cot"), r, WordCounter(), BudgetOptions{full, 10, 1});
  EXPECT_TRUE(fitted.report.fits);
  EXPECT_EQ(fitted.report.tokens_after, full);
  EXPECT_EQ(fitted.report.fields_trimmed, 0u);
  EXPECT_EQ(to_completion(fitted.prompt),
            to_completion(build_prompt(load_builtin_template("cot"), r)));
}

TEST(Budget, TrimsTheLongestTextFirst) {
  const auto r = request_for(uneven_example());
  const auto full = full_length(r);
  // Saving 100 words from the 200-word review alone: cut to 99 words + the marker word.
  const auto fitted = fit_to_budget(load_builtin_template("cot"), r, WordCounter(),
                                    BudgetOptions{full - 100, 10, 1});
  const auto& h = fitted.request.target.example.history;
  EXPECT_EQ(h[2].review, words(99, "long") + kMarker);
  EXPECT_EQ(h[1].review, words(60, "medium"));
  EXPECT_EQ(h[0].review, words(5, "short"));
  EXPECT_EQ(fitted.report.fields_trimmed, 1u);
  EXPECT_EQ(fitted.report.items_dropped, 0u);
  EXPECT_EQ(fitted.report.tokens_after, full - 100);
  EXPECT_NE(to_completion(fitted.prompt).find("long98 \xE2\x80\xA6[truncated]\n"),
            std::string::npos);
}

TEST(Budget, ThenTrimsTheNextLongestToTheSameCap) {
  const auto r = request_for(uneven_example());
  const auto full = full_length(r);
  // (199 - cap) + (59 - cap) >= 180  =>  cap = 39 for both long texts; short ones stay.
  const auto fitted = fit_to_budget(load_builtin_template("cot"), r, WordCounter(),
                                    BudgetOptions{full - 180, 10, 1});
  const auto& h = fitted.request.target.example.history;
  EXPECT_EQ(h[2].review, words(39, "long") + kMarker);
  EXPECT_EQ(h[1].review, words(39, "medium") + kMarker);
  EXPECT_EQ(h[0].review, words(5, "short"));
  EXPECT_EQ(fitted.report.field_cap, 39u);
  EXPECT_EQ(fitted.report.items_dropped, 0u);
}

TEST(Budget, DropsTheOldestItemsOnlyWhenTrimmingToTheFloorIsNotEnough) {
  const auto tmpl = load_builtin_template("cot");
  const auto r = request_for(uneven_example());
  const auto full = full_length(r);
  // Trimming both long reviews to the 10-word floor saves (199-10)+(59-10) = 238 words.
  const BudgetOptions options{full - 250, 10, 1};
  const auto fitted = fit_to_budget(tmpl, r, WordCounter(), options);
  ASSERT_TRUE(fitted.report.fits);
  EXPECT_LE(fitted.report.tokens_after, full - 250);
  ASSERT_GE(fitted.report.items_dropped, 1u);
  const auto& kept = fitted.request.target.example.history;
  const auto& original = r.target.example.history;
  ASSERT_EQ(kept.size() + fitted.report.items_dropped, original.size());
  // The oldest went, in order; the survivors are the most recent items.
  for (std::size_t i = 0; i < kept.size(); ++i) {
    EXPECT_EQ(kept[i].item.meta.title, original[i + fitted.report.items_dropped].item.meta.title);
  }
  const std::string text = to_completion(fitted.prompt);
  EXPECT_NE(text.find("### Past User History: ###\n\xE2\x80\xA6[truncated: " +
                      std::to_string(fitted.report.items_dropped) + " older items omitted]\n"),
            std::string::npos);
  EXPECT_EQ(text.find(original[0].item.meta.title), std::string::npos);
  // Minimal: with one item fewer dropped, even the floor cap is over budget.
  PromptRequest fewer = r;
  auto& h = fewer.target.example.history;
  h.erase(h.begin(), h.begin() + static_cast<long>(fitted.report.items_dropped - 1));
  fewer.target.history_omitted = fitted.report.items_dropped - 1;
  for (auto& item : h) item.review = truncate_text(item.review, 10, WordCounter());
  EXPECT_GT(WordCounter().count(to_completion(build_prompt(tmpl, fewer))), full - 250);
}

TEST(Budget, AblatedTextsAreNeverTrimmed) {
  const auto r = request_for(uneven_example(), Ablation::NoReview);
  const auto tmpl = load_builtin_template("cot");
  const auto shown = WordCounter().count(to_completion(build_prompt(tmpl, r)));
  const auto fitted = fit_to_budget(tmpl, r, WordCounter(), BudgetOptions{shown - 5, 1, 1});
  EXPECT_TRUE(fitted.report.fits);
  const auto& h = fitted.request.target.example.history;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const auto& original = r.target.example.history[i + fitted.report.items_dropped];
    EXPECT_EQ(h[i].review, original.review);  // hidden, so untouched
  }
}

TEST(Budget, ReportsWhenNothingMoreCanGo) {
  const auto r = request_for(uneven_example());
  const auto fitted =
      fit_to_budget(load_builtin_template("cot"), r, WordCounter(), BudgetOptions{50, 10, 1});
  EXPECT_FALSE(fitted.report.fits);
  EXPECT_EQ(fitted.request.target.example.history.size(), 1u);  // min_history kept
  EXPECT_EQ(fitted.report.items_dropped, 2u);
  EXPECT_GT(fitted.report.tokens_after, 50u);
}

TEST(Budget, WorkedExamplesLoseItemsBeforeTheTargetOnTies) {
  auto r = request_for(uneven_example());
  ShownExample shot{test::beauty_example(), 0, words(30, "reason")};
  shot.example.id = "shot";
  r.shots.push_back(shot);
  const auto tmpl = load_builtin_template("cot");
  const auto full = WordCounter().count(to_completion(build_prompt(tmpl, r)));
  const auto fitted = fit_to_budget(tmpl, r, WordCounter(), BudgetOptions{full - 320, 10, 1});
  ASSERT_TRUE(fitted.report.fits);
  ASSERT_GE(fitted.report.items_dropped, 1u);
  EXPECT_EQ(fitted.request.shots[0].history_omitted, (fitted.report.items_dropped + 1) / 2);
  EXPECT_EQ(fitted.request.target.history_omitted, fitted.report.items_dropped / 2);
}

// A model's view of a prompt: its chat template adds 7 tokens per message and 12 around the
// conversation, which the completion form does not show.
class ChatTemplateCounter final : public PromptCounter {
 public:
  std::size_t count(const Prompt& p) const override {
    std::size_t n = 12;
    for (const auto& m : p.messages) n += 7 + WordCounter().count(m.content);
    return n;
  }
};

TEST(Budget, TheWholePromptIsMeasuredAsTheModelSeesIt) {
  const auto tmpl = load_builtin_template("cot");
  const auto r = request_for(uneven_example());
  const ChatTemplateCounter model;
  const auto full = model.count(build_prompt(tmpl, r));
  ASSERT_EQ(full, full_length(r) + 12 + 7);  // one user message
  // Saving 100 tokens as the model counts them: the template's 19 count too, so the long
  // review loses 100 words, not 100 - 19 as a completion-form count would make it.
  const auto fitted =
      fit_to_budget(tmpl, r, WordCounter(), model, BudgetOptions{full - 100, 10, 1});
  EXPECT_TRUE(fitted.report.fits);
  EXPECT_EQ(fitted.report.tokens_before, full);
  EXPECT_EQ(fitted.report.tokens_after, full - 100);
  EXPECT_EQ(model.count(fitted.prompt), full - 100);
  EXPECT_EQ(fitted.request.target.example.history[2].review, words(99, "long") + kMarker);
  // The estimate's four-argument form is the completion form through the same code.
  const auto plain = fit_to_budget(tmpl, r, WordCounter(), BudgetOptions{full - 100, 10, 1});
  EXPECT_EQ(plain.report.tokens_after, full - 100);
  EXPECT_EQ(plain.request.target.example.history[2].review, words(118, "long") + kMarker);
}

}  // namespace
}  // namespace reasonrec::prompt
