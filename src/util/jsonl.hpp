#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace reasonrec {

// Calls `on_line(value, line)` for each non-blank line of the JSON-lines file at `path`
// (line numbers from 1). A file that cannot be opened or a line that is not JSON is an
// InputError naming the file and the line.
void for_each_jsonl(const std::string& path,
                    const std::function<void(const nlohmann::json&, std::size_t)>& on_line);

}  // namespace reasonrec
