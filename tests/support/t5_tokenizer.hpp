#pragma once

// A small T5-style tokenizer.json for tests of models with random weights. Torch-free.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace reasonrec::test {

inline const std::string kSpace = "\xE2\x96\x81";  // "▁"

// <pad> </s> <unk>, the 256 byte tokens, then pieces with Unigram scores; Metaspace
// pre-tokenizer, "</s>" appended, ByteFallback + Metaspace decoders. Returns the size.
inline std::int64_t write_t5_tokenizer(const std::filesystem::path& dir) {
  nlohmann::json vocab = nlohmann::json::array();
  const auto add = [&](const std::string& piece, double score) {
    vocab.push_back(nlohmann::json::array({piece, score}));
  };
  for (const char* special : {"<pad>", "</s>", "<unk>"}) add(special, 0.0);
  char name[8];
  for (int b = 0; b < 256; ++b) {
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    add(name, 0.0);
  }
  add(kSpace, -5.0);  // SentencePiece vocabularies always have "▁"
  for (const char* word : {"the", "user", "likes", "product", "is", "great", "###", "Reason",
                           "Rating", "1", "2", "3", "4", "5"}) {
    add(kSpace + word, -4.0);
  }
  for (const char* piece : {"###", "#", "e", "s", "t", "a", "o", "r", "1", "2", "3", "4", "5"}) {
    add(piece, -6.0);
  }
  const nlohmann::json metaspace = {{"type", "Metaspace"},
                                    {"replacement", kSpace},
                                    {"prepend_scheme", "always"},
                                    {"split", true}};
  nlohmann::json added = nlohmann::json::array();
  for (int id = 0; id < 3; ++id) {
    added.push_back(
        {{"id", id}, {"content", vocab[static_cast<std::size_t>(id)][0]}, {"special", true}});
  }
  nlohmann::json single = nlohmann::json::array();
  single.push_back({{"Sequence", {{"id", "A"}, {"type_id", 0}}}});
  single.push_back({{"SpecialToken", {{"id", "</s>"}, {"type_id", 0}}}});
  nlohmann::json post_processor = {{"type", "TemplateProcessing"}};
  post_processor["single"] = single;
  post_processor["pair"] = nlohmann::json::array();
  post_processor["special_tokens"]["</s>"] = {
      {"id", "</s>"}, {"ids", nlohmann::json::array({1})}, {"tokens", {"</s>"}}};
  nlohmann::json decoders = nlohmann::json::array();
  decoders.push_back({{"type", "ByteFallback"}});
  decoders.push_back(metaspace);
  nlohmann::json root = {{"version", "1.0"}};
  root["added_tokens"] = added;
  root["normalizer"] = nullptr;
  root["pre_tokenizer"] = metaspace;
  root["post_processor"] = post_processor;
  root["decoder"] = {{"type", "Sequence"}, {"decoders", decoders}};
  root["model"] = {{"type", "Unigram"}, {"unk_id", 2}, {"vocab", vocab}, {"byte_fallback", true}};
  std::ofstream(dir / "tokenizer.json") << root.dump();
  std::ofstream(dir / "tokenizer_config.json") << nlohmann::json{
      {"eos_token", "</s>"},
      {"pad_token", "<pad>"},
      {"unk_token", "<unk>"}}.dump();
  return static_cast<std::int64_t>(vocab.size());
}

}  // namespace reasonrec::test
