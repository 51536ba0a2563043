// bos / eos / pad come from tokenizer_config.json, special_tokens_map.json or config.json.
#include <gtest/gtest.h>

#include "engine/tokenizer/tokenizer.hpp"
#include "reference.hpp"
#include "support/paths.hpp"

namespace reasonrec::engine {
namespace {

const char* kTokenizer =
    R"({"added_tokens":[{"id":3,"content":"<s>","special":true},{"id":4,"content":"</s>","special":true}],
        "model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2,"<s>":3,"</s>":4,"<pad>":5},"merges":["a b"]}})";

TEST(SpecialTokens, StringsAndAddedTokenObjectsFromBothFiles) {
  const auto dir = test::scratch_dir();
  test::write_file(dir / "tokenizer.json", kTokenizer);
  test::write_file(dir / "special_tokens_map.json", R"({"bos_token": "a", "pad_token": "<pad>"})");
  test::write_file(dir / "tokenizer_config.json",
                   R"({"bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": false},
                       "eos_token": "</s>", "pad_token": null})");
  const auto tokenizer = load_tokenizer(dir);
  EXPECT_EQ(tokenizer->bos_id(), 3);  // tokenizer_config.json wins
  EXPECT_EQ(tokenizer->eos_id(), 4);
  EXPECT_EQ(tokenizer->pad_id(), 5);  // null does not erase special_tokens_map.json's
  EXPECT_TRUE(tokenizer->is_special(3));
  EXPECT_FALSE(tokenizer->is_special(5));
  EXPECT_EQ(tokenizer->decode(std::vector<std::int32_t>{3, 2, 4}), "ab");
  EXPECT_EQ(tokenizer->decode(std::vector<std::int32_t>{3, 2, 4}, false), "<s> ab </s>");
}

TEST(SpecialTokens, ConfigJsonIdsAreTheFallback) {
  const auto dir = test::scratch_dir();
  test::write_file(dir / "tokenizer.json", kTokenizer);
  test::write_file(dir / "config.json",
                   R"({"bos_token_id": 3, "eos_token_id": [4, 3], "pad_token_id": 99})");
  const auto tokenizer = load_tokenizer(dir);
  EXPECT_EQ(tokenizer->bos_id(), 3);
  EXPECT_EQ(tokenizer->eos_id(), 4);
  EXPECT_FALSE(tokenizer->pad_id().has_value());  // 99 is outside the vocabulary
}

}  // namespace
}  // namespace reasonrec::engine
