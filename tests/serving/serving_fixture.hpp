#pragma once

// A tiny random Llama-family model with the stories260K tokenizer, and the specs and checks
// the serving tests share.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/generation/types.hpp"
#include "engine/local_model.hpp"

namespace reasonrec::engine::test {

// Loaded once per test process: 2 layers, 2 KV heads of 8 dims, 4096 positions.
const LocalModel& tiny_model();
// Bytes of keys and values one token takes in tiny_model() (from its config).
std::size_t tiny_bytes_per_token();

// `count` random non-special token ids drawn from `seed`.
std::vector<std::int32_t> random_tokens(std::uint64_t seed, int count);
// a + b.
std::vector<std::int32_t> joined(std::vector<std::int32_t> a, const std::vector<std::int32_t>& b);

// The constraint "one digit 1-5" over tiny_model()'s vocabulary.
std::shared_ptr<const TokenConstraint> rating_constraint();

// What LocalModel::generate gives for `spec` alone.
std::vector<Generation> alone(const GenerationSpec& spec);

// Fails the running test unless `got` equals `expected`: tokens, text, finish reason, stop
// token, log-probabilities (ids equal, values within 1e-5 of their scale).
void expect_same(const std::vector<Generation>& got, const std::vector<Generation>& expected,
                 const std::string& what);

}  // namespace reasonrec::engine::test
