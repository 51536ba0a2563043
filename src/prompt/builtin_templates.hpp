#pragma once

#include <span>
#include <string>
#include <string_view>

#include "prompt/template.hpp"

namespace reasonrec::prompt {

// A template shipped in templates/*.txt and compiled into the binary at build time
// (embed_templates.cmake), so the program needs no data files and works from any directory.
struct BuiltinTemplate {
  std::string_view name;  // the file name without ".txt"
  std::string_view text;
};

// Every built-in template, sorted by name. Defined in the generated builtin_templates_data.cpp.
std::span<const BuiltinTemplate> builtin_templates();

// The built-in template `name` ("cot", "direct", "recsaver_explain", "recsaver_verify"),
// parsed; its source reads "builtin:NAME". Throws UsageError listing the names otherwise.
Template load_builtin_template(std::string_view name);

// A user's template file (e.g. a copy written by `reasonrec prompt templates --dump DIR`).
// Throws InputError naming the file when it cannot be read or parsed.
Template load_template_file(const std::string& path);

}  // namespace reasonrec::prompt
