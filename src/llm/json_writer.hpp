#pragma once

#include <cstdint>
#include <string>

namespace reasonrec::llm {

// Request bodies are written with these and util/json_string.hpp's append_json_string
// rather than through a JSON tree (see there why).

// Appends a number as JSON: integers as such, doubles in their shortest round-trip form.
void append_json_number(std::string& out, double value);
void append_json_number(std::string& out, std::int64_t value);
void append_json_number(std::string& out, std::uint64_t value);

}  // namespace reasonrec::llm
