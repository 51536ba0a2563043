// BERT-style WordPiece tokenizers built from review words, compared with transformers.js.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

#include "engine/tokenizer/tokenizer.hpp"
#include "reference.hpp"
#include "support/paths.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {
namespace {

const std::vector<std::string> kSpecials{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

// A vocabulary in BERT's shape: specials, frequent lowercase words, word-initial and
// continuation ("##") pieces, and characters seen at least twice (rarer ones become [UNK]).
nlohmann::json review_vocab() {
  std::map<std::string, int> words, heads, tails, chars;
  for (const auto& text : test::review_texts()) {
    std::string word;
    const auto flush = [&] {
      if (word.empty()) return;
      ++words[word];
      for (std::size_t n = 2; n <= 4 && n < word.size(); ++n) {
        ++heads[word.substr(0, n)];
        ++tails[word.substr(word.size() - n)];
      }
      word.clear();
    };
    for (std::size_t pos = 0; pos < text.size();) {
      const auto c = utf8::decode(text, pos);
      const std::string piece(text.substr(pos, c.length));
      ++chars[piece];
      if (c.code_point < 0x80 && std::isalnum(static_cast<int>(c.code_point))) {
        word += static_cast<char>(std::tolower(static_cast<int>(c.code_point)));
      } else {
        flush();
      }
      pos += c.length;
    }
    flush();
  }
  const auto top = [](const std::map<std::string, int>& counts, std::size_t n) {
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [k, v] : counts) sorted.emplace_back(-v, k);
    std::sort(sorted.begin(), sorted.end());
    std::vector<std::string> out;
    for (std::size_t i = 0; i < sorted.size() && i < n; ++i) out.push_back(sorted[i].second);
    return out;
  };
  nlohmann::json vocab = nlohmann::json::object();
  const auto add = [&](const std::string& token) {
    if (!vocab.contains(token)) vocab[token] = static_cast<int>(vocab.size());
  };
  for (const auto& s : kSpecials) add(s);
  for (const auto& [c, n] : chars) {
    if (n < 2 || c == " ") continue;
    add(c);
    add("##" + c);
  }
  for (const auto& w : top(words, 2500)) add(w);
  for (const auto& h : top(heads, 600)) add(h);
  for (const auto& t : top(tails, 600)) add("##" + t);
  return vocab;
}

nlohmann::json added_specials() {
  nlohmann::json added = nlohmann::json::array();
  for (std::size_t i = 0; i < kSpecials.size(); ++i) {
    added.push_back({{"id", i},
                     {"content", kSpecials[i]},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  }
  return added;
}

std::filesystem::path write_bert(const std::filesystem::path& dir, const nlohmann::json& normalizer,
                                 const nlohmann::json& pre_tokenizer,
                                 const nlohmann::json& post_processor) {
  const nlohmann::json root = {
      {"version", "1.0"},
      {"added_tokens", added_specials()},
      {"normalizer", normalizer},
      {"pre_tokenizer", pre_tokenizer},
      {"post_processor", post_processor},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
      {"model",
       {{"type", "WordPiece"},
        {"unk_token", "[UNK]"},
        {"continuing_subword_prefix", "##"},
        {"max_input_chars_per_word", 100},
        {"vocab", review_vocab()}}}};
  test::write_file(dir / "tokenizer.json", root.dump());
  test::write_file(dir / "tokenizer_config.json",
                   nlohmann::json{{"pad_token", "[PAD]"},
                                  {"cls_token", "[CLS]"},
                                  {"sep_token", "[SEP]"},
                                  {"unk_token", "[UNK]"},
                                  {"clean_up_tokenization_spaces", true}}
                       .dump());
  return dir;
}

TEST(WordPieceBert, BertNormalizerPreTokenizerProcessingMatchTransformersJs) {
  REQUIRE_NODE_REFERENCES();
  const auto dir =
      write_bert(test::scratch_dir(),
                 {{"type", "BertNormalizer"},
                  {"clean_text", true},
                  {"handle_chinese_chars", true},
                  {"strip_accents", nullptr},
                  {"lowercase", true}},
                 {{"type", "BertPreTokenizer"}},
                 {{"type", "BertProcessing"}, {"sep", {"[SEP]", 3}}, {"cls", {"[CLS]", 2}}});
  const auto tokenizer = load_tokenizer(dir);
  const auto& texts = test::review_texts();
  const auto ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
  const auto ids = tokenizer->encode("Great");
  EXPECT_EQ(ids.front(), 2);
  EXPECT_EQ(ids.back(), 3);
  EXPECT_EQ(tokenizer->pad_id(), 0);
}

TEST(WordPieceBert, UnicodeNormalizersWhitespaceAndTemplateMatchTransformersJs) {
  REQUIRE_NODE_REFERENCES();
  const nlohmann::json template_processing = {
      {"type", "TemplateProcessing"},
      {"single",
       {{{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}},
        {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
        {{"SpecialToken", {{"id", "[SEP]"}, {"type_id", 0}}}}}},
      {"pair", nlohmann::json::array()},
      {"special_tokens",
       {{"[CLS]", {{"id", "[CLS]"}, {"ids", {2}}, {"tokens", {"[CLS]"}}}},
        {"[SEP]", {{"id", "[SEP]"}, {"ids", {3}}, {"tokens", {"[SEP]"}}}}}}};
  const auto dir = write_bert(
      test::scratch_dir(),
      {{"type", "Sequence"},
       {"normalizers",
        {{{"type", "NFD"}},
         {{"type", "Lowercase"}},
         {{"type", "StripAccents"}},
         {{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}}}},
      {{"type", "Sequence"},
       {"pretokenizers",
        {{{"type", "WhitespaceSplit"}}, {{"type", "Digits"}, {"individual_digits", true}}}}},
      template_processing);
  const auto tokenizer = load_tokenizer(dir);
  const auto& texts = test::review_texts();
  const auto ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
}

// HF's Whitespace pre-tokenizer is `\w+|[^\w\s]+` with Unicode \w; transformers.js runs it
// with JavaScript's ASCII-only \w, so the two agree on ASCII text only.
TEST(WordPieceBert, WhitespacePreTokenizerMatchesTransformersJsOnAsciiText) {
  REQUIRE_NODE_REFERENCES();
  const auto dir = write_bert(test::scratch_dir(), {{"type", "NFKC"}}, {{"type", "Whitespace"}},
                              {{"type", "RobertaProcessing"},
                               {"sep", {"[SEP]", 3}},
                               {"cls", {"[CLS]", 2}},
                               {"trim_offsets", true},
                               {"add_prefix_space", false}});
  const auto tokenizer = load_tokenizer(dir);
  std::vector<std::string> texts;
  for (const auto& text : test::review_texts()) {
    if (std::all_of(text.begin(), text.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x80; })) {
      texts.push_back(text);
    }
  }
  ASSERT_GT(texts.size(), 1500u);
  const auto ref = test::run_reference({"hf", dir.string()}, texts);
  EXPECT_EQ(test::count_mismatches(*tokenizer, texts, ref, true), 0u);
}

}  // namespace
}  // namespace reasonrec::engine
