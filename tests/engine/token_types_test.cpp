// BERT sentence pairs: the tokenizer's pair template gives segment (token type) ids, and the
// encoder adds each token's own token type embedding, against an independent float64 forward
// pass in Python (torch) over the same safetensors file.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "encoder_fixtures.hpp"
#include "engine/text_encoder.hpp"
#include "engine/tokenizer/tokenizer.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

namespace fx = test_fixtures;

constexpr std::int32_t kCls = 2, kSep = 3;
const std::map<std::string, std::int32_t> kVocab = {
    {"[PAD]", 0}, {"[UNK]", 1}, {"[CLS]", kCls}, {"[SEP]", kSep}, {"great", 4}, {"cream", 5},
    {"bad", 6},   {"smell", 7}, {"very", 8},     {"soft", 9},     {"skin", 10}};

// A WordPiece tokenizer.json over kVocab with `post_processor`; model_max_length `max_length`.
void write_tokenizer(const std::filesystem::path& dir, const nlohmann::json& post_processor,
                     int max_length) {
  nlohmann::json added = nlohmann::json::array();
  for (const char* text : {"[PAD]", "[UNK]", "[CLS]", "[SEP]"}) {
    added.push_back({{"id", kVocab.at(text)},
                     {"content", text},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  const nlohmann::json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer",
       {{"type", "BertNormalizer"},
        {"clean_text", true},
        {"handle_chinese_chars", true},
        {"strip_accents", nullptr},
        {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor", post_processor},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
      {"model",
       {{"type", "WordPiece"},
        {"unk_token", "[UNK]"},
        {"continuing_subword_prefix", "##"},
        {"max_input_chars_per_word", 100},
        {"vocab", kVocab}}}};
  std::ofstream(dir / "tokenizer.json") << tokenizer.dump(1);
  std::ofstream(dir / "tokenizer_config.json")
      << nlohmann::json{{"model_max_length", max_length}}.dump();
}

// bert-base-uncased's tokenizer.json post-processor.
nlohmann::json bert_template() {
  auto special = [](const char* id, int type) {
    return nlohmann::json{{"SpecialToken", {{"id", id}, {"type_id", type}}}};
  };
  auto sequence = [](const char* id, int type) {
    return nlohmann::json{{"Sequence", {{"id", id}, {"type_id", type}}}};
  };
  return {{"type", "TemplateProcessing"},
          {"single", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)}},
          {"pair",
           {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1),
            special("[SEP]", 1)}},
          {"special_tokens",
           {{"[CLS]", {{"id", "[CLS]"}, {"ids", {kCls}}, {"tokens", {"[CLS]"}}}},
            {"[SEP]", {{"id", "[SEP]"}, {"ids", {kSep}}, {"tokens", {"[SEP]"}}}}}}};
}

double max_difference(const std::vector<float>& ours, const nlohmann::json& reference) {
  double worst = 0.0;
  std::size_t k = 0;
  for (const auto& row : reference) {
    for (const auto& v : row) {
      if (k >= ours.size()) return INFINITY;
      worst = std::max(worst, std::abs(static_cast<double>(ours[k++]) - v.get<double>()));
    }
  }
  return k == ours.size() ? worst : INFINITY;
}

double largest_gap(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return INFINITY;
  double worst = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - static_cast<double>(b[i])));
  }
  return worst;
}

TEST(TokenTypes, PairTemplateGivesSegmentIds) {
  for (const bool bert_processing : {false, true}) {
    SCOPED_TRACE(bert_processing ? "BertProcessing" : "TemplateProcessing");
    const auto dir = test::scratch_dir() / "bert";
    fx::write_bert(dir, "bert", "", 31);
    write_tokenizer(dir,
                    bert_processing ? nlohmann::json{{"type", "BertProcessing"},
                                                     {"cls", {"[CLS]", kCls}},
                                                     {"sep", {"[SEP]", kSep}}}
                                    : bert_template(),
                    40);
    const TextEncoder encoder = TextEncoder::open(dir);
    const PairEncoding pair = encoder.encode_pair("Great cream", "bad smell, very bad");
    EXPECT_EQ(pair.ids, (std::vector<std::int32_t>{kCls, 4, 5, kSep, 6, 7, 1, 8, 6, kSep}));
    EXPECT_EQ(pair.type_ids, (std::vector<std::int32_t>{0, 0, 0, 0, 1, 1, 1, 1, 1, 1}));
  }
}

TEST(TokenTypes, LongPairsLoseTheLongerTextsLastTokensFirst) {
  const auto dir = test::scratch_dir() / "bert";
  fx::write_bert(dir, "bert", "", 31);
  write_tokenizer(dir, bert_template(), 8);
  const TextEncoder encoder = TextEncoder::open(dir);
  const PairEncoding pair = encoder.encode_pair("great cream very soft skin", "bad smell");
  EXPECT_EQ(pair.ids, (std::vector<std::int32_t>{kCls, 4, 5, 8, kSep, 6, 7, kSep}));
  EXPECT_EQ(pair.type_ids, (std::vector<std::int32_t>{0, 0, 0, 0, 0, 1, 1, 1}));
}

TEST(TokenTypes, SecondSegmentChangesTheEmbeddingsAsTheReferenceDoes) {
  const auto dir = test::scratch_dir() / "bert";
  fx::write_bert(dir, "bert", "", 37);
  write_tokenizer(dir, bert_template(), 40);
  const TextEncoder encoder = TextEncoder::open(dir);
  const PairEncoding pair = encoder.encode_pair("great cream", "very soft skin");
  const std::vector<std::int32_t> zeros(pair.ids.size(), 0);
  // In a batch with a single sentence of another length (padding must not matter).
  const std::vector<std::vector<std::int32_t>> sequences = {pair.ids, {kCls, 6, 7, kSep}};
  const auto typed = encoder.all_hidden_states(sequences, 64, {pair.type_ids, {0, 0, 0, 0}});
  const auto untyped = encoder.all_hidden_states(sequences);
  const nlohmann::json reference = fx::run_python_json(
      R"PY(
ids, types = json.loads(sys.argv[3]), json.loads(sys.argv[4])
out = [bert_hidden_states(sys.argv[1], sys.argv[2], ids, t) for t in (types, [0] * len(ids))]
print(json.dumps([[h.tolist() for h in layers] for layers in out]))
)PY",
      {dir.string(), "", nlohmann::json(pair.ids).dump(), nlohmann::json(pair.type_ids).dump()});
  ASSERT_EQ(reference.size(), 2u);
  for (std::size_t l = 0; l <= 3; ++l) {
    EXPECT_LT(max_difference(typed[0][l], reference[0][l]), 2e-5) << "layer " << l;
    EXPECT_LT(max_difference(untyped[0][l], reference[1][l]), 2e-5) << "layer " << l;
    EXPECT_GT(max_difference(typed[0][l], reference[1][l]), 1e-3) << "layer " << l;
  }
  // The layer chosen alone and all-zero types given explicitly agree with the above.
  EXPECT_LT(largest_gap(encoder.hidden_states({pair.ids}, 2, 64, {pair.type_ids})[0], typed[0][2]),
            1e-5);
  EXPECT_LT(largest_gap(encoder.hidden_states({pair.ids}, 2, 64, {zeros})[0], untyped[0][2]), 1e-5);
  // The single sentence beside it is untouched by its neighbour's types.
  EXPECT_LT(largest_gap(typed[1][3], untyped[1][3]), 1e-5);
}

TEST(TokenTypes, BadTokenTypesAreUsageErrors) {
  const auto dir = test::scratch_dir() / "bert";
  fx::write_bert(dir, "bert", "", 31);
  write_tokenizer(dir, bert_template(), 40);
  const TextEncoder encoder = TextEncoder::open(dir);
  EXPECT_THROW(encoder.hidden_states({{kCls, 4, kSep}}, 1, 64, {{0, 2, 0}}), UsageError);
  EXPECT_THROW(encoder.hidden_states({{kCls, 4, kSep}}, 1, 64, {{0, 1}}), UsageError);
}

}  // namespace
}  // namespace reasonrec::engine
