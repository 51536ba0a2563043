// SentencePiece .model files read by our own protobuf reader and run without
// libsentencepiece, compared id for id and string for string with libsentencepiece itself
// (this test binary does not link torch, so the library's embedded protobuf is harmless).
#include <gtest/gtest.h>

#include <sentencepiece_processor.h>
#include <nlohmann/json.hpp>

#include "engine/tokenizer/sentencepiece_model.hpp"
#include "engine/tokenizer/sentencepiece_tokenizer.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "reference.hpp"
#include "spm_convert.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::engine {
namespace {

const std::string kSpace = "\xE2\x96\x81";

struct Compared {
  std::size_t texts = 0, byte_pieces = 0, unknowns = 0, user_defined = 0;
};

// Trains a model on the first 2000 review texts and loads it both ways.
struct Pair {
  std::unique_ptr<Tokenizer> ours;
  sentencepiece::SentencePieceProcessor reference;
};

std::unique_ptr<Pair> train(const std::string& type, int vocab_size, const std::string& flags) {
  const auto dir = test::scratch_dir();
  const auto& texts = test::review_texts();
  const std::vector<std::string> train_texts(texts.begin(), texts.begin() + 2000);
  const auto model = test::train_sentencepiece(dir, train_texts, type, vocab_size, flags);
  auto pair = std::make_unique<Pair>();
  EXPECT_TRUE(pair->reference.Load(model.string()).ok());
  const auto model_dir = dir / "model";
  std::filesystem::create_directories(model_dir);
  std::filesystem::copy_file(model, model_dir / "tokenizer.model");
  pair->ours = load_tokenizer(model_dir);
  return pair;
}

// Every review text plus texts with the given extra strings spliced in: ids, decoded text
// and token bytes must all agree with libsentencepiece.
Compared compare(const Pair& pair, const std::vector<std::string>& inserts = {}) {
  const auto& sp = pair.reference;
  const auto& ours = *pair.ours;
  std::vector<std::string> texts = test::review_texts();
  for (std::size_t i = 0; i < 300; ++i) {
    for (const auto& insert : inserts) {
      const std::string text = texts[i];  // a copy: push_back reallocates
      const std::size_t at = text.find(' ') == std::string::npos ? 0 : text.find(' ');
      texts.push_back(text.substr(0, at) + insert + text.substr(at));
      texts.push_back(insert + " " + text + "  " + insert);
    }
  }
  texts.insert(texts.end(),
               {"", " ", "   leading and  inner   and trailing   ", "\t\n", "a\u00a0b",
                "\xEF\xBC\xA1\xE2\x91\xA0 fullwidth", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"});
  Compared counts;
  std::size_t mismatches = 0;
  for (const auto& text : texts) {
    std::vector<int> expected;
    EXPECT_TRUE(sp.Encode(text, &expected).ok());
    const auto ids = ours.encode(text, false);
    std::string expected_text;
    EXPECT_TRUE(sp.Decode(expected, &expected_text).ok());
    const std::string decoded = ours.decode(ids);
    if ((std::vector<int>(ids.begin(), ids.end()) != expected || decoded != expected_text) &&
        ++mismatches <= 5) {
      ADD_FAILURE() << nlohmann::json(text).dump() << "\n ours " << nlohmann::json(ids).dump()
                    << " " << nlohmann::json(decoded).dump() << "\n spm  "
                    << nlohmann::json(expected).dump() << " "
                    << nlohmann::json(expected_text).dump();
    }
    std::string bytes;
    for (const auto id : ids) {
      bytes += ours.token_bytes(id);
      counts.byte_pieces += sp.IsByte(id);
      counts.unknowns += sp.IsUnknown(id);
      counts.user_defined += ours.id_to_token(id) == "<sep>";
      EXPECT_FALSE(sp.IsControl(id)) << text;
    }
    // Token bytes spell the decoded text, with the dummy-prefix space decode drops.
    if (!ids.empty() && ours.id_to_token(ids.front()).starts_with(kSpace)) {
      EXPECT_EQ(bytes, " " + decoded) << text;
    } else if (counts.unknowns == 0) {
      EXPECT_EQ(bytes, decoded) << text;
    }
    ++counts.texts;
  }
  EXPECT_EQ(mismatches, 0u);
  return counts;
}

// Random id sequences (bytes, unknowns, controls included) decode like libsentencepiece's
// DecodeIds of the same ids without control pieces (which we skip before, it after the first).
void compare_random_decodes(const Pair& pair) {
  const auto& sp = pair.reference;
  Rng rng(7);
  const auto size = static_cast<std::uint64_t>(sp.GetPieceSize());
  for (int round = 0; round < 500; ++round) {
    std::vector<std::int32_t> ids;
    std::vector<int> without_control;
    const auto length = rng.below(12);
    for (std::uint64_t i = 0; i < length; ++i) {
      const auto id = static_cast<int>(rng.below(size));
      ids.push_back(id);
      if (!sp.IsControl(id)) without_control.push_back(id);
    }
    std::string expected;
    ASSERT_TRUE(sp.Decode(without_control, &expected).ok());
    EXPECT_EQ(pair.ours->decode(ids), expected) << nlohmann::json(ids).dump();
  }
}

TEST(SentencePieceModelFile, UnigramWithByteFallbackMatchesLibSentencePiece) {
  const auto pair = train("unigram", 1000, "--byte_fallback=true");
  const auto counts = compare(*pair);
  EXPECT_GT(counts.texts, 3000u);
  EXPECT_GT(counts.byte_pieces, 0u);
  compare_random_decodes(*pair);
  EXPECT_EQ(pair->ours->eos_id(), pair->reference.eos_id());
  EXPECT_EQ(pair->ours->encode("great").front(), pair->reference.bos_id());
}

TEST(SentencePieceModelFile, BpeWithByteFallbackMatchesLibSentencePiece) {
  const auto pair = train(
      "bpe", 1000,
      "--byte_fallback=true --normalization_rule_name=identity --remove_extra_whitespaces=false");
  const auto counts = compare(*pair);
  EXPECT_GT(counts.byte_pieces, 0u);
  compare_random_decodes(*pair);
}

// Without byte fallback unknown characters become <unk> (a run of them one <unk>);
// user-defined symbols are whole tokens, control symbols never come out of text.
TEST(SentencePieceModelFile, UnigramUnknownsAndUserDefinedSymbolsMatchLibSentencePiece) {
  const auto pair = train("unigram", 800,
                          "--character_coverage=0.98 --user_defined_symbols=<sep>,review "
                          "--control_symbols=<ctl>");
  const auto counts = compare(*pair, {"<sep>", "<ctl>", "<s>", "</s>", "reviews<sep>review"});
  EXPECT_GT(counts.unknowns, 0u);
  EXPECT_GT(counts.user_defined, 0u);
  compare_random_decodes(*pair);
  const auto ctl = pair->ours->token_to_id("<ctl>");
  ASSERT_TRUE(ctl.has_value());
  EXPECT_TRUE(pair->ours->is_special(*ctl));
  EXPECT_EQ(pair->ours->token_bytes(*ctl), "");
  EXPECT_EQ(pair->ours->token_bytes(pair->reference.unk_id()), " \xE2\x81\x87 ");
}

TEST(SentencePieceModelFile, BpeUnknownsAndUserDefinedSymbolsMatchLibSentencePiece) {
  const auto pair = train("bpe", 800,
                          "--character_coverage=0.98 --user_defined_symbols=<sep>,review "
                          "--control_symbols=<ctl>");
  const auto counts = compare(*pair, {"<sep>", "<ctl>", "<s>", "reviews<sep>review"});
  EXPECT_GT(counts.unknowns, 0u);
  EXPECT_GT(counts.user_defined, 0u);
  compare_random_decodes(*pair);
}

TEST(SentencePieceModelFile, WhitespaceAsSuffixMatchesLibSentencePiece) {
  const auto pair = train("unigram", 800, "--treat_whitespace_as_suffix=true");
  compare(*pair);
}

TEST(SentencePieceModelFile, TruncatedOrCorruptFilesAreInputErrors) {
  const std::string model =
      test::read_file(test::shared_dir() / "models" / "stories260K" / "tok512.model");
  std::size_t rejected = 0;
  for (std::size_t cut = 0; cut < model.size(); cut += 7) {
    try {
      const auto tokenizer = SentencePieceTokenizer::from_bytes(model.substr(0, cut), "cut.model");
      // A cut on a field boundary is a valid, smaller model.
      EXPECT_LE(tokenizer->vocab_size(), 512);
      tokenizer->encode("Once upon a time");
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("cut.model"), std::string::npos) << e.what();
      ++rejected;
    }
  }
  EXPECT_GT(rejected, 10u);
  std::string flipped = model;
  flipped[1] = '\xFF';  // the first piece's length now runs past the end
  EXPECT_THROW(SentencePieceTokenizer::from_bytes(flipped, "flipped.model"), InputError);
  EXPECT_THROW(SentencePieceTokenizer::from_bytes("", "empty.model"), InputError);
}

}  // namespace
}  // namespace reasonrec::engine
