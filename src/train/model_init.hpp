#pragma once

// A model initialised from scratch (no pretrained weights): config.json + random weights +
// the given tokenizer's files, written as a Hugging Face directory.

#include <cstdint>
#include <filesystem>

namespace reasonrec::train {

// Reads `config_file` (a Llama-family config.json; fields the engine does not know are an
// error naming them, so a typo is not silently ignored), checks its vocab_size holds the
// tokenizer in `tokenizer_dir`, and writes `out` with weights drawn from N(0, initializer_range)
// (default 0.02) seeded by `seed`, norms at 1.
void write_initial_model(const std::filesystem::path& config_file,
                         const std::filesystem::path& tokenizer_dir,
                         const std::filesystem::path& out, std::uint64_t seed);

}  // namespace reasonrec::train
