// SentencePiece models trained here with libsentencepiece, converted to tokenizer.json as
// Hugging Face does (T5-style Unigram, Llama-2-style byte-fallback BPE), compared with
// transformers.js and libsentencepiece; and the real stories260K tokenizer.
#include <gtest/gtest.h>

#include <sentencepiece_processor.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "engine/tokenizer/precompiled_charsmap.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "reference.hpp"
#include "spm_convert.hpp"
#include "support/paths.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {
namespace {

// Whitespace runs collapsed to one space and the ends stripped: SentencePiece's
// remove_extra_whitespaces, which HF's conversion does not reproduce at the text's ends.
std::string collapse_whitespace(const std::string& text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

struct Trained {
  std::filesystem::path dir;    // tokenizer.json + tokenizer_config.json
  std::filesystem::path model;  // the .model file
  std::filesystem::path
      js_dir;  // the same without Unigram byte_fallback (transformers.js lacks it)
};

// Trains once per test process: the models depend only on the texts.
const Trained& trained(const std::string& type) {
  static std::map<std::string, Trained> cache;
  if (auto it = cache.find(type); it != cache.end()) return it->second;
  // ctest runs each test in its own process, in parallel: one directory per test.
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const auto dir = std::filesystem::path(REASONREC_BINARY_DIR) / "test-scratch" /
                   (std::string(info->test_suite_name()) + "." + info->name() + ".spm-" + type);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto& texts = test::review_texts();
  const std::vector<std::string> train(texts.begin(), texts.begin() + 2000);
  Trained result{dir, {}, {}};
  if (type == "unigram") {
    result.model = test::train_sentencepiece(dir, train, "unigram", 1000, "--byte_fallback=true");
    const auto config = nlohmann::json{
        {"eos_token", "</s>"},
        {"unk_token", "<unk>"},
        {"clean_up_tokenization_spaces",
         false}}.dump();
    test::write_file(dir / "tokenizer.json",
                     test::unigram_tokenizer_json(result.model, true).dump());
    test::write_file(dir / "tokenizer_config.json", config);
    result.js_dir = dir / "no-byte-fallback";
    std::filesystem::create_directories(result.js_dir);
    test::write_file(result.js_dir / "tokenizer.json",
                     test::unigram_tokenizer_json(result.model, false).dump());
    test::write_file(result.js_dir / "tokenizer_config.json", config);
  } else {
    result.model = test::train_sentencepiece(
        dir, train, "bpe", 1000,
        "--byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false");
    test::write_file(dir / "tokenizer.json", test::bpe_tokenizer_json(result.model).dump());
    test::write_file(
        dir / "tokenizer_config.json",
        nlohmann::json{
            {"bos_token", "<s>"}, {"eos_token", "</s>"}, {"clean_up_tokenization_spaces", false}}
            .dump());
  }
  return cache.emplace(type, result).first->second;
}

std::unique_ptr<sentencepiece::SentencePieceProcessor> processor(
    const std::filesystem::path& model) {
  auto sp = std::make_unique<sentencepiece::SentencePieceProcessor>();
  EXPECT_TRUE(sp->Load(model.string()).ok());
  return sp;
}

TEST(UnigramT5Style, MatchesTransformersJs) {
  REQUIRE_NODE_REFERENCES();
  const auto& model = trained("unigram");
  const auto tokenizer = load_tokenizer(model.js_dir);
  // transformers.js approximates the Precompiled charsmap with NFKC plus regexes that turn
  // U+200B..U+200F (zero-width space, joiners, marks) into spaces, which the real charsmap
  // (checked against libsentencepiece below) does not: leave those texts out.
  std::vector<std::string> texts;
  for (const auto& text : test::review_texts()) {
    bool zero_width = false;
    for (std::size_t pos = 0; pos < text.size();) {
      const auto c = utf8::decode(text, pos);
      zero_width |= c.code_point >= 0x200B && c.code_point <= 0x200F;
      pos += c.length;
    }
    if (!zero_width) texts.push_back(text);
  }
  ASSERT_GT(texts.size(), test::review_texts().size() - 10);
  const auto ref = test::run_reference({"hf", model.js_dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
}

TEST(UnigramT5Style, MatchesSentencePieceOnCollapsedWhitespace) {
  const auto& model = trained("unigram");
  const auto tokenizer = load_tokenizer(model.dir);
  const auto loaded = processor(model.model);
  const auto& sp = *loaded;
  const auto total_score = [&](const auto& ids) {
    double score = 0;
    for (const auto id : ids) score += sp.GetScore(static_cast<int>(id));
    return score;
  };
  std::size_t mismatches = 0;
  std::size_t ties = 0;
  for (const auto& raw : test::review_texts()) {
    const std::string text = collapse_whitespace(raw);
    std::vector<int> expected;
    ASSERT_TRUE(sp.Encode(text, &expected).ok());
    const auto ids = tokenizer->encode(text, false);
    if (std::vector<int>(ids.begin(), ids.end()) == expected) continue;
    // SentencePiece sums scores in float, HF (and we) in double: equally good
    // segmentations ("." + ".." vs ".." + ".") may then break ties differently. Both must
    // be optimal and spell the same text.
    const bool same_text = tokenizer->decode(ids) == tokenizer->decode(std::vector<std::int32_t>(
                                                         expected.begin(), expected.end()));
    if (same_text && std::abs(total_score(ids) - total_score(expected)) < 1e-3) {
      ++ties;
      continue;
    }
    if (++mismatches <= 5) {
      ADD_FAILURE() << nlohmann::json(text).dump() << "\n ours " << nlohmann::json(ids).dump()
                    << "\n spm  " << nlohmann::json(expected).dump();
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_LT(ties, test::review_texts().size() / 20);
  EXPECT_EQ(tokenizer->eos_id(), sp.eos_id());
  const auto ids = tokenizer->encode("great");
  EXPECT_EQ(ids.back(), sp.eos_id());  // T5 appends </s>
}

TEST(PrecompiledCharsmap, MatchesSentencePieceNormalization) {
  // SentencePiece's nmt_nfkc rules: the normalized text is what its pieces concatenate to.
  const auto& model = trained("unigram");
  const auto loaded = processor(model.model);
  const auto& sp = *loaded;
  const PrecompiledCharsmap charsmap(test::precompiled_charsmap(test::read_file(model.model)));
  std::size_t checked = 0;
  for (const auto& raw : test::review_texts()) {
    const std::string text = collapse_whitespace(raw);
    std::vector<std::string> pieces;
    ASSERT_TRUE(sp.Encode(text, &pieces).ok());
    std::string joined;
    for (const auto& piece : pieces) joined += piece;
    std::string ours = "\xE2\x96\x81";
    for (const char c : collapse_whitespace(charsmap.normalize_longest_prefix(text))) {
      ours += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
    }
    if (text.empty()) continue;
    // Byte-fallback pieces are spelled <0x..>; compare only texts without them.
    if (joined.find("<0x") != std::string::npos) continue;
    EXPECT_EQ(ours, joined) << nlohmann::json(text).dump();
    ++checked;
  }
  EXPECT_GT(checked, 2000u);
}

TEST(BpeByteFallback, MatchesTransformersJs) {
  REQUIRE_NODE_REFERENCES();
  const auto& model = trained("bpe");
  const auto tokenizer = load_tokenizer(model.dir);
  const auto& texts = test::review_texts();
  const auto ref = test::run_reference({"hf", model.dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
}

// Newer Llama / Mistral files (legacy=false) put a Metaspace pre-tokenizer with
// prepend_scheme "first" where older ones had Prepend + Replace normalizers: "▁" goes only
// before the start of the input, not after an added token.
TEST(BpeByteFallback, MetaspacePrependFirstMatchesTransformersJs) {
  REQUIRE_NODE_REFERENCES();
  const auto& model = trained("bpe");
  auto root = nlohmann::json::parse(test::read_file(model.dir / "tokenizer.json"));
  root["normalizer"] = nullptr;
  root["pre_tokenizer"] = {{"type", "Metaspace"},
                           {"replacement", "\xE2\x96\x81"},
                           {"prepend_scheme", "first"},
                           {"split", false}};
  const auto dir = test::scratch_dir();
  test::write_file(dir / "tokenizer.json", root.dump());
  test::write_file(dir / "tokenizer_config.json",
                   test::read_file(model.dir / "tokenizer_config.json"));
  const auto tokenizer = load_tokenizer(dir);
  std::vector<std::string> texts(test::review_texts().begin(), test::review_texts().begin() + 300);
  for (const auto& text : std::vector<std::string>(texts.begin(), texts.begin() + 50)) {
    texts.push_back("</s>" + text);
    texts.push_back(text + "</s> and more");
  }
  const auto ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
  const auto plain = tokenizer->encode("great", false);
  const auto after_token = tokenizer->encode("</s>great", false);
  EXPECT_NE(std::vector<std::int32_t>(after_token.begin() + 1, after_token.end()), plain);
}

TEST(BpeByteFallback, MatchesSentencePiece) {
  const auto& model = trained("bpe");
  const auto tokenizer = load_tokenizer(model.dir);
  const auto loaded = processor(model.model);
  const auto& sp = *loaded;
  std::size_t mismatches = 0;
  std::size_t byte_tokens = 0;
  for (const auto& text : test::review_texts()) {
    std::vector<int> expected;
    ASSERT_TRUE(sp.Encode(text, &expected).ok());
    const auto ids = tokenizer->encode(text, false);
    for (const auto id : ids) byte_tokens += tokenizer->id_to_token(id).starts_with("<0x");
    std::string expected_text;
    ASSERT_TRUE(sp.Decode(expected, &expected_text).ok());
    if ((std::vector<int>(ids.begin(), ids.end()) != expected ||
         tokenizer->decode(ids) != expected_text) &&
        ++mismatches <= 5) {
      ADD_FAILURE() << nlohmann::json(text).dump() << "\n ours " << nlohmann::json(ids).dump()
                    << "\n spm  " << nlohmann::json(expected).dump();
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_GT(byte_tokens, 0u);  // rare characters did fall back to bytes
  EXPECT_EQ(tokenizer->encode("hi").front(), sp.bos_id());
}

TEST(BpeByteFallback, SentencePieceModelFileGivesTheSameIds) {
  const auto& model = trained("bpe");
  const auto json = load_tokenizer(model.dir);
  const auto dir = test::scratch_dir();
  std::filesystem::copy_file(model.model, dir / "tokenizer.model");
  const auto spm = load_tokenizer(dir);
  for (const auto& text : test::review_texts()) {
    const auto ids = spm->encode(text);
    ASSERT_EQ(ids, json->encode(text)) << text;
    std::string bytes;
    for (const auto id : ids) bytes += spm->token_bytes(id);
    ASSERT_EQ(bytes, text.empty() ? std::string() : " " + text) << text;
    // The tokenizer.json's Strip decoder strips whole texts only, never a middle token.
    std::string json_bytes;
    for (const auto id : ids) {
      if (!json->is_special(id)) json_bytes += json->token_bytes(id);
    }
    ASSERT_EQ(json_bytes, bytes) << text;
    ASSERT_EQ(spm->decode(ids), text);
  }
}

// stories260K's tok512.model against the tokenizations llama2.c and sentencepiece made.
TEST(Stories260K, SentencePieceModelMatchesReferenceTokenizations) {
  const auto models = test::shared_dir() / "models" / "stories260K";
  const auto dir = test::scratch_dir();
  std::filesystem::copy_file(models / "tok512.model", dir / "tokenizer.model");
  const auto tokenizer = load_tokenizer(dir);
  EXPECT_EQ(tokenizer->vocab_size(), 512);
  EXPECT_EQ(tokenizer->bos_id(), 1);
  EXPECT_EQ(tokenizer->eos_id(), 2);
  std::ifstream in(models / "tokenize.jsonl");
  std::size_t cases = 0;
  for (std::string line; std::getline(in, line);) {
    const auto row = nlohmann::json::parse(line);
    const auto text = row.at("text").get<std::string>();
    const auto expected = row.at("sentencepiece_tokens").get<std::vector<std::int32_t>>();
    const auto ids = tokenizer->encode(text);
    EXPECT_EQ(ids, expected) << text;
    // "pieces" are run.c's; where run.c disagrees (extra spaces, which SentencePiece
    // removes) neither the pieces nor the round trip apply.
    if (row.at("agree").get<bool>()) {
      const auto pieces = row.at("pieces").get<std::vector<std::string>>();
      ASSERT_EQ(pieces.size(), ids.size()) << text;
      for (std::size_t i = 0; i < ids.size(); ++i)
        EXPECT_EQ(tokenizer->id_to_token(ids[i]), pieces[i]);
      EXPECT_EQ(tokenizer->decode(ids), text);
    }
    ++cases;
  }
  EXPECT_GE(cases, 20u);
}

}  // namespace
}  // namespace reasonrec::engine
