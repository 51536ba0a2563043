#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace reasonrec::data {

// Thrown with the byte offset where a Python literal stops making sense.
class PythonLiteralError : public std::runtime_error {
 public:
  PythonLiteralError(std::size_t offset, const std::string& what)
      : std::runtime_error("at byte " + std::to_string(offset) + ": " + what), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

// Parses one Python literal as written by repr()/str() of dicts (the Amazon 2014 metadata
// files: one dict per line, single-quoted strings). Supports dict, list, tuple, str (single,
// double, u/b/r prefixes, all escapes), int, float, True, False, None. Mapping: dict -> object,
// list/tuple -> array, None -> null.
//
// Non-ASCII escapes: in u'' strings \xNN is the code point U+00NN; in unprefixed strings (Python
// 2 byte strings) \xNN is a raw byte, and the bytes are kept when they form valid UTF-8, else
// read as Latin-1 code points. The result is always valid UTF-8.
nlohmann::json parse_python_literal(std::string_view text);

}  // namespace reasonrec::data
