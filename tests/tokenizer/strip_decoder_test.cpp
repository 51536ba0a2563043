// The Strip decoder of Llama-2 tokenizer.json files (Replace "▁"→" ", ByteFallback, Fuse,
// Strip(" ", 1, 0)) removes the space at the start of the whole decoded text only: a token in
// the middle of a sequence keeps its space (token_bytes), as Hugging Face's streaming decode
// (the difference of the decodes of successive prefixes) gives it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "engine/tokenizer/json_tokenizer.hpp"
#include "reference.hpp"
#include "support/paths.hpp"

namespace reasonrec::engine {
namespace {

const std::string kSpace = "\xE2\x96\x81";  // "▁"

nlohmann::json strip_decoder(int start, int stop) {
  return {{"type", "Strip"}, {"content", " "}, {"start", start}, {"stop", stop}};
}

// A Llama-2-style tokenizer.json: <unk> <s> </s>, the 256 byte tokens, then a few pieces with
// their merges; Prepend("▁") + Replace(" " → "▁") normalizer, BOS template, and the decoders
// Llama 2 ships (or `decoders` instead).
std::string llama2_style_tokenizer(nlohmann::json decoders = nullptr) {
  nlohmann::json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  char name[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    vocab[name] = 3 + b;
  }
  const std::vector<std::pair<std::string, std::string>> merges = {
      {kSpace, "t"},        {"h", "e"},  {kSpace + "t", "he"}, {"c", "a"},    {kSpace, "ca"},
      {kSpace + "ca", "t"}, {"ca", "t"}, {kSpace, "a"},        {kSpace, "4"},
  };
  int next = 259;
  auto add = [&](const std::string& piece) {
    if (!vocab.contains(piece)) vocab[piece] = next++;
  };
  for (const char* piece : {"\xE2\x96\x81", "t", "h", "e", "c", "a", "4"}) add(piece);
  for (const auto& [left, right] : merges) add(left + right);
  if (decoders.is_null()) {
    decoders = {{{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
                {{"type", "ByteFallback"}},
                {{"type", "Fuse"}},
                strip_decoder(1, 0)};
  }
  nlohmann::json merge_list = nlohmann::json::array();
  for (const auto& [left, right] : merges) merge_list.push_back({left, right});
  nlohmann::json added = nlohmann::json::array();
  for (const char* token : {"<unk>", "<s>", "</s>"}) {
    added.push_back({{"id", vocab[token]}, {"content", token}, {"special", true}});
  }
  nlohmann::json normalizers = nlohmann::json::array();
  normalizers.push_back({{"type", "Prepend"}, {"prepend", kSpace}});
  normalizers.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}});
  nlohmann::json single = nlohmann::json::array();
  single.push_back({{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}});
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  nlohmann::json post_processor = {{"type", "TemplateProcessing"}};
  post_processor["single"] = single;
  post_processor["pair"] = nlohmann::json::array();
  post_processor["special_tokens"]["<s>"] = {
      {"id", "<s>"}, {"ids", nlohmann::json::array({1})}, {"tokens", {"<s>"}}};
  nlohmann::json root = {{"version", "1.0"}};
  root["added_tokens"] = added;
  root["normalizer"] = {{"type", "Sequence"}, {"normalizers", normalizers}};
  root["pre_tokenizer"] = nullptr;
  root["post_processor"] = post_processor;
  root["decoder"] = {{"type", "Sequence"}, {"decoders", decoders}};
  root["model"] = {{"type", "BPE"},
                   {"dropout", nullptr},
                   {"unk_token", "<unk>"},
                   {"continuing_subword_prefix", nullptr},
                   {"end_of_word_suffix", nullptr},
                   {"fuse_unk", true},
                   {"byte_fallback", true},
                   {"ignore_merges", false},
                   {"vocab", vocab},
                   {"merges", merge_list}};
  return root.dump();
}

std::string bytes_of(const Tokenizer& tokenizer, const std::vector<std::int32_t>& ids) {
  std::string text;
  for (const std::int32_t id : ids) {
    if (!tokenizer.is_special(id)) text += tokenizer.token_bytes(id);
  }
  return text;
}

TEST(StripDecoder, MiddleTokensKeepTheirSpaceAndWholeTextsLoseTheFirst) {
  const auto tokenizer = JsonTokenizer::from_string(llama2_style_tokenizer(), "<test>");
  const auto ids = tokenizer->encode("the cat", false);
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(tokenizer->id_to_token(ids[0]), kSpace + "the");
  EXPECT_EQ(tokenizer->id_to_token(ids[1]), kSpace + "cat");
  EXPECT_EQ(tokenizer->token_bytes(ids[0]), " the");
  EXPECT_EQ(tokenizer->token_bytes(ids[1]), " cat");
  EXPECT_EQ(tokenizer->token_bytes(*tokenizer->token_to_id(kSpace + "4")), " 4");
  EXPECT_EQ(tokenizer->token_bytes(*tokenizer->token_to_id("<0x41>")), "A");
  // Whole texts: the first space (the normalizer's prepended "▁") is stripped, only that.
  EXPECT_EQ(tokenizer->decode(ids), "the cat");
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("the cat")), "the cat");  // after BOS
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("  the cat")), "  the cat");
  // A streamed text is the whole text with the leading space.
  const std::string text = "the cat ate a caf\xC3\xA9 4 times";
  EXPECT_EQ(bytes_of(*tokenizer, tokenizer->encode(text)), " " + text);
  EXPECT_EQ(tokenizer->decode(tokenizer->encode(text)), text);
}

TEST(StripDecoder, WithoutFuseEveryTokenIsStrippedAsInHuggingFace) {
  // Strip before Fuse acts on each token, in a whole decode and for a single token alike.
  const nlohmann::json decoders = {
      {{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
      {{"type", "ByteFallback"}},
      strip_decoder(1, 0),
      {{"type", "Fuse"}}};
  const auto tokenizer = JsonTokenizer::from_string(llama2_style_tokenizer(decoders), "<test>");
  const auto ids = tokenizer->encode("the cat", false);
  EXPECT_EQ(tokenizer->decode(ids), "thecat");
  EXPECT_EQ(tokenizer->token_bytes(ids[1]), "cat");
}

TEST(StripDecoder, StopStripsTheEndOfTheWholeTextOnly) {
  const nlohmann::json decoders = {
      {{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
      {{"type", "ByteFallback"}},
      {{"type", "Fuse"}},
      strip_decoder(0, 1)};
  const auto tokenizer = JsonTokenizer::from_string(llama2_style_tokenizer(decoders), "<test>");
  const auto ids = tokenizer->encode("the cat ", false);
  EXPECT_EQ(tokenizer->decode(ids), " the cat");
  EXPECT_EQ(tokenizer->token_bytes(*tokenizer->token_to_id(kSpace)), " ");
}

// transformers.js decodes every prefix of every text; the text each token adds there (once the
// prefix decodes to whole characters) is what our token_bytes add, and whole decodes agree.
TEST(StripDecoder, StreamedTextMatchesTransformersJsPrefixDecodes) {
  REQUIRE_NODE_REFERENCES();
  const auto dir = test::scratch_dir();
  test::write_file(dir / "tokenizer.json", llama2_style_tokenizer());
  test::write_file(
      dir / "tokenizer_config.json",
      nlohmann::json{
          {"bos_token", "<s>"}, {"eos_token", "</s>"}, {"clean_up_tokenization_spaces", false}}
          .dump());
  const auto tokenizer = load_tokenizer(dir);
  // Short texts: every prefix is decoded (quadratic), and most characters are byte tokens here.
  std::vector<std::string> texts;
  for (const std::string& text : test::review_texts()) {
    if (text.size() < 300 && texts.size() < 200) texts.push_back(text);
  }
  texts.push_back("the cat");
  texts.push_back(" the cat 4");
  const auto ref = test::run_reference({"hf-prefixes", dir.string()}, texts);
  ASSERT_EQ(ref.prefixes.size(), texts.size());
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
  std::size_t compared = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto& ids = ref.ids[i];
    ASSERT_EQ(ref.prefixes[i].size(), ids.size());
    std::string streamed;
    for (std::size_t k = 0; k < ids.size(); ++k) {
      if (!tokenizer->is_special(ids[k])) streamed += tokenizer->token_bytes(ids[k]);
      const std::string& prefix = ref.prefixes[i][k];
      if (prefix.empty() || prefix.find("\xEF\xBF\xBD") != std::string::npos) continue;
      // Hugging Face strips the one leading space of the whole text.
      ASSERT_EQ(streamed, " " + prefix) << "text " << i << " after " << k + 1 << " tokens";
      ++compared;
    }
  }
  EXPECT_GT(compared, 5000u);
}

}  // namespace
}  // namespace reasonrec::engine
