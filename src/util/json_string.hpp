#pragma once

#include <string>
#include <string_view>

namespace reasonrec {

// What append_json_string does with bytes that are not valid UTF-8.
enum class InvalidUtf8 {
  kKeep,     // copied as they are (a template's tojson must not alter its input)
  kReplace,  // each such byte becomes U+FFFD (a server rejects an ill-formed request body)
};

// Appends `text` as a JSON string literal: quotes, backslashes and control characters
// escaped (\n, \t, ... or \u00xx), everything else, non-ASCII included, written as it is.
// Request bodies are written with this instead of building a JSON tree: prompts are
// kilobytes, and escaping them byte by byte through a DOM was the client's largest cost.
void append_json_string(std::string& out, std::string_view text, InvalidUtf8 invalid);

}  // namespace reasonrec
