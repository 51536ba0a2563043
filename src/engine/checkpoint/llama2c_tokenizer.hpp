#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::engine {

// One entry of a llama2.c tokenizer.bin: the piece bytes as stored (" " where SentencePiece
// has "▁"; BOS/EOS as "\n<s>\n" / "\n</s>\n") and its merge score.
struct Llama2cPiece {
  std::string text;
  float score = 0.0f;
};

// Reads `vocab_size` entries (the file holds no count; the model's header gives it).
std::vector<Llama2cPiece> read_llama2c_tokenizer(const std::filesystem::path& path, int vocab_size);

// The Hugging Face tokenizer.json equivalent of run.c's encoder: a SentencePiece-style BPE
// with byte fallback whose merges are ranked by the merged piece's score (highest first, as
// run.c picks them), a "▁" prepend/replace normalizer, and the matching decoders. Ids 0, 1, 2
// become <unk>, <s>, </s>.
nlohmann::json llama2c_tokenizer_json(const std::vector<Llama2cPiece>& pieces);

}  // namespace reasonrec::engine
