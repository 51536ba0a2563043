// The sentence splitter on hand-labelled texts: abbreviations, decimals, ellipses, line breaks,
// headings and bullet lists.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "recsaver/sentences.hpp"

namespace reasonrec::recsaver {
namespace {

struct SplitCase {
  std::string text;
  std::vector<std::string> sentences;
};

const std::vector<SplitCase> kCases = {
    {"The user likes creams. She buys them often.",
     {"The user likes creams.", "She buys them often."}},
    {"Mr. Smith likes it. Dr. Jones does not.", {"Mr. Smith likes it.", "Dr. Jones does not."}},
    {"It costs $12.99 and lasts 3.5 months. Good value.",
     {"It costs $12.99 and lasts 3.5 months.", "Good value."}},
    {"She likes brands, e.g. Olay and Nivea. They suit her.",
     {"She likes brands, e.g. Olay and Nivea.", "They suit her."}},
    {"Wait... it gets better. Really!", {"Wait... it gets better.", "Really!"}},
    {"She hesitated\xE2\x80\xA6 Then she bought it.",
     {"She hesitated\xE2\x80\xA6", "Then she bought it."}},
    {"Great value!! Would she buy again? Yes.", {"Great value!!", "Would she buy again?", "Yes."}},
    {"### Reason ###\nThe user loves serums. She buys many.",
     {"### Reason ###", "The user loves serums.", "She buys many."}},
    {"- Likes serums\n- Dislikes perfume\n- Buys in bulk",
     {"- Likes serums", "- Dislikes perfume", "- Buys in bulk"}},
    {"1. First point. More detail.\n2. Second point",
     {"1. First point.", "More detail.", "2. Second point"}},
    {"The user has bought\nseveral moisturisers over\nthe years.",
     {"The user has bought\nseveral moisturisers over\nthe years."}},
    {"Summary\nThe user is loyal.", {"Summary", "The user is loyal."}},
    {"First paragraph.\n\nSecond paragraph.", {"First paragraph.", "Second paragraph."}},
    {"J. K. Rowling fans love it. So does she.", {"J. K. Rowling fans love it.", "So does she."}},
    {"She lives in the U.S. and shops online.", {"She lives in the U.S. and shops online."}},
    {"Visit amazon.com for more. Then decide.", {"Visit amazon.com for more.", "Then decide."}},
    {"He said \"It is great.\" Then he left.", {"He said \"It is great.\"", "Then he left."}},
    {"It (mostly) works (see above). Fine.", {"It (mostly) works (see above).", "Fine."}},
    {"No. 5 is her favourite perfume. Chanel fits.",
     {"No. 5 is her favourite perfume.", "Chanel fits."}},
    {"\xE2\x80\xA2 Gentle formula\n\xE2\x80\xA2 Affordable price",
     {"\xE2\x80\xA2 Gentle formula", "\xE2\x80\xA2 Affordable price"}},
    {"Reasons:\n* hydrating\n* cheap", {"Reasons:", "* hydrating", "* cheap"}},
    {"", {}},
    {"   \n\n  ", {}},
    {"No terminal punctuation", {"No terminal punctuation"}},
    {"It works, etc. She likes it.", {"It works, etc.", "She likes it."}},
    {"Approx. 20 uses per bottle. Good.", {"Approx. 20 uses per bottle.", "Good."}},
    {"Price vs. quality matters. She agrees.", {"Price vs. quality matters.", "She agrees."}},
    {"a) cheap b) effective", {"a) cheap b) effective"}},
    {"She rates 4.5/5 often.Next sentence.", {"She rates 4.5/5 often.Next sentence."}},
    {"Line one\r\nLine two.", {"Line one", "Line two."}},
    {"The scent is mild (she prefers that.) She repurchases.",
     {"The scent is mild (she prefers that.)", "She repurchases."}},
    {"**Preferences:** The user likes rich textures. **Verdict:** A good match.",
     {"**Preferences:** The user likes rich textures.", "**Verdict:** A good match."}},
    {"Wow! what a find.", {"Wow! what a find."}},
    {"(a) texture\n(b) scent. Both matter.", {"(a) texture", "(b) scent.", "Both matter."}},
    {"She bought 3 items. 2 were serums.", {"She bought 3 items.", "2 were serums."}},
    {"  Leading and trailing spaces.  ", {"Leading and trailing spaces."}},
};

TEST(SentenceSplitter, HandLabelledTexts) {
  std::size_t sentences = 0;
  for (const auto& c : kCases) {
    EXPECT_EQ(sentence_texts(c.text), c.sentences) << "text: " << c.text;
    sentences += c.sentences.size();
  }
  EXPECT_GE(sentences, 60u);
}

TEST(SentenceSplitter, OffsetsPointIntoTheText) {
  const std::string text = "- One item. Two.\n\n3) Three";
  for (const auto& s : split_sentences(text)) {
    EXPECT_EQ(text.substr(s.begin, s.end - s.begin), s.text);
  }
  EXPECT_EQ(split_sentences(text).size(), 3u);
}

TEST(SentenceSplitter, AnyBytesAreSafe) {
  std::string text;
  for (int i = 0; i < 4096; ++i) text += static_cast<char>((i * 7919) % 256);
  const auto sentences = split_sentences(text);
  for (const auto& s : sentences) {
    EXPECT_LE(s.end, text.size());
    EXPECT_LT(s.begin, s.end);
  }
  EXPECT_TRUE(split_sentences("...").size() == 1u);
  EXPECT_TRUE(split_sentences(". . .").size() >= 1u);
}

}  // namespace
}  // namespace reasonrec::recsaver
