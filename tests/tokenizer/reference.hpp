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
// Empty when node is not on PATH.
std::string node_binary();
// Empty when node and both packages are there; otherwise says what is missing and how to fix it.
std::string missing_node_references();
// True only when the user opted out with REASONREC_ALLOW_MISSING_REFERENCES=1.
bool allow_missing_references();

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

// A reference test that cannot run fails: a skip would read as a pass in CI. It is skipped only
// when the user asked for that explicitly with REASONREC_ALLOW_MISSING_REFERENCES=1.
#define REQUIRE_NODE_REFERENCES()                                                            \
  if (const std::string reasonrec_missing_ = ::reasonrec::test::missing_node_references();  \
      reasonrec_missing_.empty()) {                                                          \
  } else if (::reasonrec::test::allow_missing_references())                                  \
    GTEST_SKIP() << reasonrec_missing_ << " (skipped: REASONREC_ALLOW_MISSING_REFERENCES=1)"; \
  else                                                                                       \
    FAIL() << reasonrec_missing_
