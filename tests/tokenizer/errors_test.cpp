// Bad tokenizer files give InputErrors naming the file and the component, never a crash.
#include <gtest/gtest.h>

#include <string>

#include "engine/tokenizer/json_tokenizer.hpp"
#include "reference.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

// The reason of the InputError raised by loading `json`, or "" when it loads.
std::string load_error(const std::string& json) {
  try {
    (void)JsonTokenizer::from_string(json, "dir/tokenizer.json");
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "dir/tokenizer.json");
    return e.reason();
  }
  return {};
}

const std::string kModel =
    R"("model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]})";

TEST(TokenizerErrors, NameTheComponentAndField) {
  EXPECT_EQ(load_error("{" + kModel + "}"), "");
  EXPECT_NE(load_error("{not json").find("invalid tokenizer JSON"), std::string::npos);
  EXPECT_NE(load_error("[1,2]").find("top level"), std::string::npos);
  EXPECT_NE(load_error("{}").find("model"), std::string::npos);
  EXPECT_NE(load_error(R"({"model":{"type":"BPE","vocab":{"a":0},"merges":["a b"]}})")
                .find("merge 0 'a b'"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"normalizer":{"type":"Magic"},)" + kModel + "}")
                .find("normalizer: unsupported"),
            std::string::npos);
  EXPECT_NE(
      load_error(
          R"({"pre_tokenizer":{"type":"Split","pattern":{"Regex":"(("},"behavior":"Isolated"},)" +
          kModel + "}")
          .find("pre_tokenizer: bad regex"),
      std::string::npos);
  EXPECT_NE(
      load_error(
          R"({"pre_tokenizer":{"type":"Split","pattern":{"Regex":"a"},"behavior":"Sideways"},)" +
          kModel + "}")
          .find("unknown split behavior"),
      std::string::npos);
  EXPECT_NE(
      load_error(
          R"({"decoder":{"type":"ByteLevel"},"model":{"type":"BPE","vocab":{"a":-4},"merges":[]}})")
          .find("negative id"),
      std::string::npos);
  EXPECT_NE(load_error(R"({"model":{"type":"Unigram","vocab":[["a"]]}})").find("[piece, score]"),
            std::string::npos);
  EXPECT_NE(load_error(R"({"normalizer":{"type":"Precompiled","precompiled_charsmap":"%%%"},)" +
                       kModel + "}")
                .find("base64"),
            std::string::npos);
  EXPECT_NE(
      load_error(
          R"({"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"X"}}]},)" +
          kModel + "}")
          .find("undefined special token 'X'"),
      std::string::npos);
}

TEST(TokenizerErrors, MissingDirectoryContentsAreNamed) {
  const auto dir = test::scratch_dir();
  try {
    (void)load_tokenizer(dir);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), dir.string());
    EXPECT_NE(e.reason().find("tokenizer.json"), std::string::npos);
  }
  test::write_file(dir / "tokenizer.model", "not a protobuf");
  EXPECT_THROW((void)load_tokenizer(dir), InputError);
  test::write_file(dir / "tokenizer.json", "{" + kModel + "}");
  test::write_file(dir / "tokenizer_config.json", R"({"bos_token": 5})");
  EXPECT_THROW((void)load_tokenizer(dir), InputError);
}

TEST(TokenizerErrors, InvalidUtf8InputIsReplacedNotRejected) {
  const auto tokenizer = JsonTokenizer::from_string(
      R"({"model":{"type":"BPE","unk_token":"?","vocab":{"?":0,"a":1,"b":2,"ab":3,"\ufffd":4},"merges":["a b"]}})",
      "t.json");
  // One U+FFFD per maximal invalid subpart, as Rust's from_utf8_lossy does.
  EXPECT_EQ(tokenizer->encode("ab\xE2\x82"
                              "a\xFF"),
            (std::vector<std::int32_t>{3, 4, 1, 4}));
  EXPECT_EQ(tokenizer->encode("abc"), (std::vector<std::int32_t>{3, 0}));
}

}  // namespace
}  // namespace reasonrec::engine
