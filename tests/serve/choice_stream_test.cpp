// Token-by-token streaming never splits a UTF-8 sequence between chunks, and the chunks of a
// choice concatenate to its final text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "serve/choice_stream.hpp"

namespace reasonrec::serve {
namespace {

TEST(CompleteUtf8Prefix, HoldsBackOnlyUnfinishedSequences) {
  EXPECT_EQ(complete_utf8_prefix(""), 0u);
  EXPECT_EQ(complete_utf8_prefix("abc"), 3u);
  EXPECT_EQ(complete_utf8_prefix("caf\xc3"), 3u);           // é's lead byte alone
  EXPECT_EQ(complete_utf8_prefix("caf\xc3\xa9"), 5u);       // é complete
  EXPECT_EQ(complete_utf8_prefix("x\xe2\x82"), 1u);         // € missing its last byte
  EXPECT_EQ(complete_utf8_prefix("x\xe2\x82\xac"), 4u);     // € complete
  EXPECT_EQ(complete_utf8_prefix("\xf0\x9f\x98"), 0u);      // 😀 missing one byte
  EXPECT_EQ(complete_utf8_prefix("\xf0\x9f\x98\x80"), 4u);  // 😀 complete
  // Bytes nothing can complete are not held (they would wait forever).
  EXPECT_EQ(complete_utf8_prefix("a\x80"), 2u);             // stray continuation
  EXPECT_EQ(complete_utf8_prefix("a\xff"), 2u);             // never a lead byte
  EXPECT_EQ(complete_utf8_prefix("a\xc0"), 2u);             // overlong lead
  EXPECT_EQ(complete_utf8_prefix("\x80\x80\x80\x80"), 4u);  // continuations only
  // The first lead byte can no longer complete; the last one still can.
  EXPECT_EQ(complete_utf8_prefix("\xc3\xc3"), 1u);
}

// Feeds `tokens` one by one; returns the pieces sent, the finish piece last.
std::vector<ChoicePiece> stream_of(const std::vector<std::string>& tokens,
                                   const std::string& final_text) {
  ChoiceStream stream;
  std::vector<ChoicePiece> pieces;
  for (const auto& t : tokens) {
    if (auto piece = stream.add(t, TokenLogprobInfo{t, -0.5, {}})) pieces.push_back(*piece);
  }
  if (auto piece = stream.finish(final_text)) pieces.push_back(*piece);
  return pieces;
}

TEST(ChoiceStream, ByteTokensOfOneCharacterTravelTogether) {
  // "aé€!" as byte-fallback tokens: é in two tokens, € in three.
  const std::vector<std::string> tokens = {"a", "\xc3", "\xa9", "\xe2", "\x82", "\xac", "!"};
  const std::string text = "a\xc3\xa9\xe2\x82\xac!";
  const auto pieces = stream_of(tokens, text);
  ASSERT_EQ(pieces.size(), 4u);
  EXPECT_EQ(pieces[0].text, "a");
  EXPECT_EQ(pieces[1].text, "\xc3\xa9");
  EXPECT_EQ(pieces[2].text, "\xe2\x82\xac");
  EXPECT_EQ(pieces[3].text, "!");
  std::string joined;
  std::size_t logprobs = 0;
  for (const auto& p : pieces) {
    EXPECT_EQ(p.text_offset, joined.size());
    joined += p.text;
    logprobs += p.logprobs.size();
  }
  EXPECT_EQ(joined, text);
  EXPECT_EQ(logprobs, tokens.size());  // every token's log-probability is sent, in order
  ASSERT_EQ(pieces[1].logprobs.size(), 2u);
  EXPECT_EQ(pieces[1].logprobs[0].token, "\xc3");
  EXPECT_EQ(pieces[2].logprobs.size(), 3u);
}

TEST(ChoiceStream, FinishSendsWhatIsHeldAndWhatTheEngineKept) {
  // The generation ended (length) inside a character: its bytes go out at the end as they are.
  auto pieces = stream_of({"x", "\xe2\x82"}, "x\xe2\x82");
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[1].text, "\xe2\x82");
  EXPECT_EQ(pieces[1].text_offset, 1u);
  ASSERT_EQ(pieces[1].logprobs.size(), 1u);
  // Text the token events never carried (held back as a possible stop string that was not
  // one) is sent from the final text.
  pieces = stream_of({"ab", "c"}, "abc##");
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].text + pieces[1].text + pieces[2].text, "abc##");
  EXPECT_EQ(pieces[2].text_offset, 3u);
  EXPECT_TRUE(pieces[2].logprobs.empty());
  // Nothing left: no piece.
  ChoiceStream done;
  ASSERT_TRUE(done.add("ok", std::nullopt));
  EXPECT_FALSE(done.finish("ok"));
}

}  // namespace
}  // namespace reasonrec::serve
