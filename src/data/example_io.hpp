#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/example.hpp"

namespace reasonrec::data {

nlohmann::json example_to_json(const Example& example);
// Throws InputError naming `file` and `line` when a field is missing or has the wrong type.
Example example_from_json(const nlohmann::json& j, const std::string& file, std::size_t line);

// One JSON object per line, keys in a fixed order, invalid UTF-8 replaced (U+FFFD).
std::string example_to_jsonl_line(const Example& example);
void write_examples(std::ostream& out, const std::vector<Example>& examples);
std::vector<Example> read_examples(const std::string& path);

}  // namespace reasonrec::data
