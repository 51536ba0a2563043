#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.hpp"

// Real references for the tokenizer tests: the npm packages gpt-3-encoder and
// @huggingface/transformers installed by scripts/setup_node.sh into third_party/node.
namespace reasonrec::test {

std::filesystem::path node_modules_dir();
// Empty when node or the packages are missing.
std::string node_binary();
bool have_node_references();

// ~3000 real review texts from ../shared/data plus edge cases (cached after the first call).
const std::vector<std::string>& review_texts();

struct Reference {
  std::vector<std::vector<std::int32_t>> ids;
  std::vector<std::string> decoded;
  // Mode "hf-prefixes" only: prefixes[i][k] is the decode of ids[i][0..k].
  std::vector<std::vector<std::string>> prefixes;
};
// Runs tests/tokenizer/node/reference.mjs with `args` (the texts file is appended).
Reference run_reference(const std::vector<std::string>& args,
                        const std::vector<std::string>& texts);

// Encodes and decodes every text with `ours` and compares with `ref`. Returns the number of
// texts whose ids (or decoded strings, when `check_decode`) differ, printing the first few.
std::size_t count_mismatches(const engine::Tokenizer& ours, const std::vector<std::string>& texts,
                             const Reference& ref, bool check_decode);

void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);

}  // namespace reasonrec::test

#define REQUIRE_NODE_REFERENCES()                 \
  if (!::reasonrec::test::have_node_references()) \
  GTEST_SKIP() << "node reference tokenizers missing: run scripts/setup_node.sh (needs npm)"
