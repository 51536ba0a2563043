#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::eval {

// Probability of each rating class 1..5 (index 0 is rating 1). Non-negative, sums to 1.
using ClassProbabilities = std::array<double, 5>;

// One rating prediction for one example, from an LLM or a baseline.
// Schema of predictions.jsonl: docs/predictions-schema.md.
struct Prediction {
  std::string example_id;
  std::string split;    // copied from the example ("train" or "test")
  std::string mode;     // prompt mode ("cot", "direct", ...) or "baseline"
  std::string model;    // model name, e.g. "palm2-m" or "mf"
  std::string backend;  // "openai", "local", "baseline", ...
  int sample = 0;       // index of this sample among the samples drawn for the example
  std::optional<std::uint64_t> seed;  // sampling seed, when generation was sampled
  int true_rating = 0;                // copied from the example, 1..5
  std::optional<int> rating;          // parsed rating 1..5; nullopt when unparsed
  std::string parse_status;           // how the rating was found, or why not
  std::string reasoning;              // parsed reasoning text (may be empty)
  std::string raw;                    // the raw model output
  std::optional<ClassProbabilities> probabilities;
  std::optional<double> expected_rating;  // a continuous score in [1, 5]
  std::map<std::string, double> usage;    // e.g. prompt_tokens, completion_tokens; empty if none
};

nlohmann::ordered_json prediction_to_json(const Prediction& prediction);
// Throws InputError naming `file`, `line` and the field when a field is missing, has the
// wrong type or is out of range.
Prediction prediction_from_json(const nlohmann::json& j, const std::string& file, std::size_t line);

// One JSON object per line, keys in a fixed order, invalid UTF-8 replaced (U+FFFD).
std::string prediction_to_jsonl_line(const Prediction& prediction);
void write_predictions(std::ostream& out, const std::vector<Prediction>& predictions);
void write_predictions(const std::string& path, const std::vector<Prediction>& predictions);
std::vector<Prediction> read_predictions(const std::string& path);

}  // namespace reasonrec::eval
