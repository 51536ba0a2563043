#pragma once

// The teacher's predictions file as distil accepts it: every sample belongs to an example of
// E in the chosen split, agrees with E on the true rating, and appears once.

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "data/example.hpp"
#include "eval/prediction.hpp"

namespace reasonrec::train {

struct TeacherSample {
  eval::Prediction prediction;
  std::size_t example = 0;  // index into the examples
  std::size_t line = 0;     // line in the teacher file
};

struct TeacherSamples {
  std::vector<TeacherSample> samples;  // in file order
  std::size_t skipped_missing = 0;     // samples of examples not in E (skip_missing only)
};

// Reads `path` line by line with predictions.jsonl's own reader (eval::prediction_from_json),
// keeping line numbers for errors. `split` is train, test or all.
TeacherSamples read_teacher_samples(const std::filesystem::path& path,
                                    const std::filesystem::path& examples_path,
                                    const std::vector<data::Example>& examples,
                                    const std::string& split, bool skip_missing);

}  // namespace reasonrec::train
