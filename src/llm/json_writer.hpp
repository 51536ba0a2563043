#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace reasonrec::llm {

// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped,
// invalid UTF-8 replaced by U+FFFD (reviews carry it; a server rejects it). Request bodies are
// written with this instead of building a JSON tree: prompts are kilobytes, and escaping them
// byte by byte through a DOM was the client's largest cost per request.
void append_json_string(std::string& out, std::string_view text);

// Appends a number as JSON: integers as such, doubles in their shortest round-trip form.
void append_json_number(std::string& out, double value);
void append_json_number(std::string& out, std::int64_t value);
void append_json_number(std::string& out, std::uint64_t value);

}  // namespace reasonrec::llm
