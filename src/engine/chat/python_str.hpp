#pragma once

// Python str helpers for template strings (UTF-8). Python's str methods count and strip code
// points, so length, slicing and strip must not work on bytes.

#include <cstddef>
#include <string_view>
#include <vector>

namespace reasonrec::engine::jinja {

// One code point and the bytes it occupies. Decoding is utf8::decode_lenient: invalid bytes
// become single-byte code points (U+FFFD value) so that hostile input never crashes and
// round-trips byte for byte.
struct CodePoint {
  char32_t value;
  std::size_t offset;
  std::size_t size;
};

std::vector<CodePoint> code_points(std::string_view s);
std::size_t count_code_points(std::string_view s);
// Python's str.isspace() for one code point (also what re's \s matches in str patterns).
bool is_python_space(char32_t c);
// Python's str.strip()/lstrip()/rstrip() without arguments.
std::string_view strip(std::string_view s);
std::string_view lstrip(std::string_view s);
std::string_view rstrip(std::string_view s);
// Python's str.strip(chars) family with explicit characters.
std::string_view strip_chars(std::string_view s, std::string_view chars, bool left, bool right);

}  // namespace reasonrec::engine::jinja
