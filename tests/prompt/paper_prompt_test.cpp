#include <fstream>
#include <sstream>
#include <tuple>

#include <gtest/gtest.h>

#include "prompt/builder.hpp"
#include "prompt/builtin_templates.hpp"
#include "sample_examples.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::prompt {
namespace {

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) {
    s.replace(p, from.size(), to);
  }
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The prompt block of PAPER.md ("Prompt (paper Appendix A, reconstructed)"), as lines.
std::vector<std::string> paper_prompt_lines() {
  std::ifstream in(reasonrec::test::shared_dir() / "PAPER.md");
  EXPECT_TRUE(in) << "PAPER.md not found under " << reasonrec::test::shared_dir();
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  const auto heading = all.find("## Prompt (paper Appendix A");
  EXPECT_NE(heading, std::string::npos);
  const auto open = all.find("```\n", heading) + 4;
  const auto close = all.find("\n```", open);
  return split_lines(all.substr(open, close - open));
}

// PAPER.md's text filled in by hand for `e`: the {a|b} alternatives resolved, the block of
// placeholder lines repeated once per past item in place of "... (one block per past item)".
std::string paper_text_for(const data::Example& e, bool movies) {
  std::vector<std::string> lines = paper_prompt_lines();
  std::vector<std::string> out;
  std::vector<std::string> block;  // the history block's template lines
  bool in_history = false;
  for (const auto& line : lines) {
    if (line == "### Past User History: ###") {
      in_history = true;
      out.push_back(line);
      continue;
    }
    if (in_history && line.rfind("...", 0) == 0) {
      for (const auto& h : e.history) {
        for (std::string l : block) {
          replace_all(l, "{title}", h.item.meta.title);
          replace_all(l, "{brand}", h.item.meta.brand);
          replace_all(l, "{categories}", join(h.item.meta.categories));
          replace_all(l, "{description}", h.item.meta.description);
          replace_all(l, "{price}", h.item.meta.price);
          replace_all(l, "{rating}", std::to_string(h.rating));
          replace_all(l, "{review}", h.review);
          out.push_back(l);
        }
      }
      in_history = false;
      continue;
    }
    if (in_history) {
      block.push_back(line);
      continue;
    }
    std::string l = line;
    replace_all(l, "{title}", e.target.meta.title);
    replace_all(l, "{brand}", e.target.meta.brand);
    replace_all(l, "{categories}", join(e.target.meta.categories));
    replace_all(l, "{description}", e.target.meta.description);
    replace_all(l, "{price}", e.target.meta.price);
    out.push_back(l);
  }
  std::string text;
  for (const auto& l : out) text += (text.empty() ? "" : "\n") + l;
  for (const auto& [alternatives, product, video] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"{product|video (movies and tv)}", "product", "video (movies and tv)"},
           {"{Product|Video}", "Product", "Video"},
           {"{product|video}", "product", "video"},
           {"{purchase|watch}", "purchase", "watch"}}) {
    replace_all(text, alternatives, movies ? video : product);
  }
  return text;
}

std::string render(const data::Example& e, const std::string& domain, Ablation ablation,
                   const std::string& tmpl = "cot") {
  PromptRequest request;
  request.domain = domain_by_name(domain);
  request.ablation = ablation;
  request.target.example = e;
  return to_completion(build_prompt(load_builtin_template(tmpl), request));
}

TEST(PaperPrompt, BeautyRendersByteExactToPaperText) {
  const auto e = test::beauty_example();
  const std::string expected = paper_text_for(e, false);
  ASSERT_NE(expected.find("Burt's Bees Beeswax Lip Balm"), std::string::npos);
  EXPECT_EQ(render(e, "beauty", Ablation::None), expected);
}

TEST(PaperPrompt, MoviesRendersByteExactToPaperText) {
  const auto e = test::beauty_example();
  const std::string expected = paper_text_for(e, true);
  ASSERT_NE(expected.find("New Video\nVideo Title: "), std::string::npos);
  EXPECT_EQ(render(e, "movies", Ablation::None), expected);
}

TEST(PaperPrompt, ChatFormIsOneUserMessageWithTheSameText) {
  PromptRequest request;
  request.domain = domain_by_name("beauty");
  request.target.example = test::beauty_example();
  const Prompt p = build_prompt(load_builtin_template("cot"), request);
  ASSERT_EQ(p.messages.size(), 1u);
  EXPECT_EQ(p.messages[0].role, Role::User);
  const auto json = to_chat_json(p);
  EXPECT_EQ(json[0]["role"], "user");
  EXPECT_EQ(json[0]["content"], paper_text_for(request.target.example, false));
}

// Lines of `full` that `ablated` lacks, in order (the ablated text must be `full` minus lines).
std::vector<std::string> removed_lines(const std::string& full, const std::string& ablated) {
  const auto a = split_lines(full), b = split_lines(ablated);
  std::vector<std::string> removed;
  std::size_t j = 0;
  for (const auto& line : a) {
    if (j < b.size() && b[j] == line) {
      ++j;
    } else {
      removed.push_back(line);
    }
  }
  EXPECT_EQ(j, b.size()) << "the ablated prompt is not the full prompt minus some lines";
  return removed;
}

std::vector<std::string> prefixed(const data::Example& e, const std::string& label,
                                  bool include_target) {
  std::vector<std::string> out;
  for (const auto& h : e.history) {
    if (label == "Description: ") out.push_back(label + h.item.meta.description);
    if (label == "User Rating: ") out.push_back(label + std::to_string(h.rating));
    if (label == "User Review: ") out.push_back(label + h.review);
  }
  if (include_target) out.push_back(label + e.target.meta.description);
  return out;
}

TEST(Ablations, NoReviewRemovesExactlyTheReviewLines) {
  const auto e = test::beauty_example();
  EXPECT_EQ(
      removed_lines(render(e, "beauty", Ablation::None), render(e, "beauty", Ablation::NoReview)),
      prefixed(e, "User Review: ", false));
}

TEST(Ablations, NoReviewRatingRemovesExactlyReviewAndRatingLines) {
  const auto e = test::beauty_example();
  std::vector<std::string> expected;
  for (const auto& h : e.history) {
    expected.push_back("User Rating: " + std::to_string(h.rating));
    expected.push_back("User Review: " + h.review);
  }
  EXPECT_EQ(removed_lines(render(e, "beauty", Ablation::None),
                          render(e, "beauty", Ablation::NoReviewRating)),
            expected);
}

TEST(Ablations, NoDescriptionRemovesEveryDescriptionLineIncludingTheNewItems) {
  const auto e = test::beauty_example();
  for (const std::string tmpl : {"cot", "direct", "recsaver_explain", "recsaver_verify"}) {
    EXPECT_EQ(removed_lines(render(e, "beauty", Ablation::None, tmpl),
                            render(e, "beauty", Ablation::NoDescription, tmpl)),
              prefixed(e, "Description: ", true))
        << tmpl;
  }
}

TEST(DirectPrompt, IsThePaperPromptWithoutReasoningSentencesAndReasonSection) {
  const auto e = test::beauty_example();
  const std::string cot = render(e, "beauty", Ablation::None, "cot");
  const std::string direct = render(e, "beauty", Ablation::None, "direct");
  const auto split = cot.find("######\n");
  ASSERT_NE(split, std::string::npos);
  // Everything up to the closing ###### is shared; only the instructions differ.
  EXPECT_EQ(direct.substr(0, split), cot.substr(0, split));
  EXPECT_EQ(direct.substr(split),
            "######\nGiven the user's past purchase history and the new item information, how "
            "will the\nuser rate the new product?\nPredict a numerical rating.\nPlease follow the "
            "format below:\n### Rating ###\nGive a single numerical rating, e.g. 1");
  EXPECT_EQ(direct.find("reason"), std::string::npos);
  EXPECT_EQ(direct.find("Reason"), std::string::npos);
}

TEST(RecSaverPrompts, ExplainShowsTheTrueRatingAndVerifyShowsTheExplanation) {
  auto e = test::beauty_example();
  e.rating = 2;
  PromptRequest request;
  request.domain = domain_by_name("beauty");
  request.target.example = e;
  request.explanation = "The user prefers light, fresh scents over sweet ones.";
  const std::string explain =
      to_completion(build_prompt(load_builtin_template("recsaver_explain"), request));
  EXPECT_NE(explain.find("### User Rating of the New Product: ###\n2\n######\nThe user rated the "
                         "new product 2."),
            std::string::npos)
      << explain;
  EXPECT_EQ(explain.find(request.explanation), std::string::npos);
  const std::string verify =
      to_completion(build_prompt(load_builtin_template("recsaver_verify"), request));
  EXPECT_NE(verify.find("### Explanation: ###\n" + request.explanation + "\n######"),
            std::string::npos);
  // The verifier must not see the rating it is asked to predict.
  EXPECT_EQ(verify.find("User Rating of the New"), std::string::npos);
}

// A prefix cache can only share work between the three prompts of one Rec-SAVER example when
// their token sequences start alike: both Rec-SAVER prompts repeat the paper's prompt up to the
// end of the new item block and put what is theirs after it, in every domain and ablation, and
// as the single user turn a chat template wraps.
TEST(RecSaverPrompts, StartWithThePaperPromptUpToTheNewItemAndDifferOnlyAfterIt) {
  auto e = test::beauty_example();
  e.rating = 4;
  for (const std::string domain : {"beauty", "movies"}) {
    for (auto ablation :
         {Ablation::None, Ablation::NoReview, Ablation::NoReviewRating, Ablation::NoDescription}) {
      PromptRequest request;
      request.domain = domain_by_name(domain);
      request.ablation = ablation;
      request.target.example = e;
      request.explanation = "The user likes unscented balms.";
      const Prompt cot = build_prompt(load_builtin_template("cot"), request);
      const std::string cot_text = to_completion(cot);
      const auto split = cot_text.find("######\n");
      ASSERT_NE(split, std::string::npos);
      const std::string shared = cot_text.substr(0, split);
      ASSERT_NE(shared.find("Item Price: " + e.target.meta.price + "\n"), std::string::npos);
      for (const std::string tmpl : {"recsaver_explain", "recsaver_verify"}) {
        const Prompt p = build_prompt(load_builtin_template(tmpl), request);
        ASSERT_EQ(p.messages.size(), 1u) << tmpl;
        EXPECT_EQ(p.messages[0].role, Role::User) << tmpl;
        EXPECT_EQ(p.messages[0].content.substr(0, split), shared) << tmpl << " " << domain;
      }
    }
  }
}

TEST(RecSaverPrompts, AskAfterTheSharedPrefixForTheExplanationOrTheVerifiedRating) {
  auto e = test::beauty_example();
  e.rating = 2;
  PromptRequest request;
  request.domain = domain_by_name("beauty");
  request.target.example = e;
  request.explanation = "The user prefers light, fresh scents over sweet ones.";
  const std::string cot = to_completion(build_prompt(load_builtin_template("cot"), request));
  const auto split = cot.find("######\n");
  ASSERT_NE(split, std::string::npos);
  const std::string explain =
      to_completion(build_prompt(load_builtin_template("recsaver_explain"), request));
  EXPECT_EQ(explain.substr(split),
            "### User Rating of the New Product: ###\n2\n######\nThe user rated the new product "
            "2. Given the user's past purchase\nhistory and the new item information, explain why "
            "the user gave this rating: what\ninformation can you infer about the user's "
            "preferences that leads to this rating?\nYour explanation should be based on any "
            "commonalities in the user history items and\ninferred user tastes or "
            "preferences.\nDo not state the rating itself; explain the preferences behind "
            "it.\nPlease follow the format below:\n### Reason ###\nWrite your explanation here. "
            "You can have line breaks.");
  const std::string verify =
      to_completion(build_prompt(load_builtin_template("recsaver_verify"), request));
  EXPECT_EQ(verify.substr(split),
            "### Explanation: ###\nThe user prefers light, fresh scents over sweet "
            "ones.\n######\nGiven the user's past purchase history, the new item information and "
            "the\nexplanation of the user's preferences above, how will the user rate the new "
            "product?\nPredict a numerical rating.\nPlease follow the format below:\n### Rating "
            "###\nGive a single numerical rating, e.g. 1");
}

TEST(PromptNames, ModesAndAblationsRoundTrip) {
  for (auto m : {Mode::Cot, Mode::Direct, Mode::Explain, Mode::Verify}) {
    EXPECT_EQ(parse_mode(mode_name(m)), m);
  }
  for (auto a :
       {Ablation::None, Ablation::NoReview, Ablation::NoReviewRating, Ablation::NoDescription}) {
    EXPECT_EQ(parse_ablation(ablation_name(a)), a);
  }
  EXPECT_EQ(parse_ablation("no_review_rating"), Ablation::NoReviewRating);
  EXPECT_THROW(parse_mode("cto"), UsageError);
  EXPECT_THROW(parse_ablation("no-reviews"), UsageError);
  EXPECT_THROW(domain_by_name("books"), UsageError);
}

}  // namespace
}  // namespace reasonrec::prompt
