#pragma once

// The training pairs `reasonrec distil` writes (docs/training.md, "sft.jsonl"). Torch-free.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace reasonrec::train {

struct SftRecord {
  std::string id;             // the example's id
  int sample = 0;             // the teacher sample it came from
  std::string prompt;         // the student's input, as predict sends it with --api completions
  std::string target;         // what the student learns to write
  std::optional<int> rating;  // the true rating, when the file has it
};

// Every line of `path`; `prompt` and `target` are required non-empty strings. InputError naming
// the file, the line and the field otherwise, or when the file has no records.
std::vector<SftRecord> read_sft_records(const std::filesystem::path& path);

}  // namespace reasonrec::train
