#pragma once

// A hand-made teacher table for the distil tests: four train examples (true ratings 4, 3, 1,
// 5), one test example, and teacher samples chosen to sit on each filter's boundaries.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "data/example.hpp"
#include "eval/prediction.hpp"

#include "support/paths.hpp"

namespace reasonrec::test {

// Train examples A (4), B (3), C (1), D (5) and test example T (2), each with a two-item history.
std::vector<data::Example> distil_examples();

// One teacher sample: nullopt rating = unparsed.
eval::Prediction teacher_sample(const data::Example& e, int sample, std::optional<int> rating,
                                const std::string& reasoning = "");

// The table (file order):
//   A (r=4): s0 4, s1 3 (binary boundary: out), s2 2 (|diff| 2), s3 5, s4 unparsed
//   B (r=3): s0 3, s1 4 (binary: out), s2 1 (|diff| 2), s3 2
//   C (r=1): s0 5, s1 unparsed
//   D (r=5): s0 4, s1 5
std::vector<eval::Prediction> teacher_table(const std::vector<data::Example>& examples);

// The reasoning every table sample carries.
std::string table_reasoning(const std::string& id, int sample);

void write_examples_file(const std::filesystem::path& path,
                         const std::vector<data::Example>& examples);
void write_teacher_file(const std::filesystem::path& path,
                        const std::vector<eval::Prediction>& predictions);

// One `recsaver verify` line.
std::string verification_line(const eval::Prediction& p, bool verified);

}  // namespace reasonrec::test
