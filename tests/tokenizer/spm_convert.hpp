#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

// Test helpers: train small SentencePiece models with libsentencepiece and write them as
// tokenizer.json the way Hugging Face's converters do (T5-style Unigram, Llama-style BPE).
namespace reasonrec::test {

// Trains `model_type` ("unigram" or "bpe") on `texts`; returns the .model path.
std::filesystem::path train_sentencepiece(const std::filesystem::path& dir,
                                          const std::vector<std::string>& texts,
                                          const std::string& model_type, int vocab_size,
                                          const std::string& extra_flags);

// The precompiled_charsmap field of a serialized ModelProto (empty when absent).
std::string precompiled_charsmap(const std::string& serialized_model);

// T5-style: Precompiled + collapse spaces, Metaspace, Unigram, "</s>" appended.
nlohmann::json unigram_tokenizer_json(const std::filesystem::path& model, bool byte_fallback);
// Llama-2-style: Prepend/Replace normalizer, BPE with byte_fallback and merges extracted
// from the vocabulary, ByteFallback decoders, "<s>" prepended.
nlohmann::json bpe_tokenizer_json(const std::filesystem::path& model);

}  // namespace reasonrec::test
