#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace reasonrec::engine::utf8 {

struct Char {
  char32_t code_point;
  std::size_t length;  // bytes consumed; an invalid sequence decodes as one U+FFFD
};

// Decodes the code point starting at text[pos] (pos < text.size()).
Char decode(std::string_view text, std::size_t pos);
void append(std::string& out, char32_t code_point);
std::string encode(char32_t code_point);
// Replaces every invalid sequence (maximal subpart) by U+FFFD, like from_utf8_lossy.
std::string sanitize(std::string_view text);
bool is_valid(std::string_view text);
std::size_t length(std::string_view text);  // in code points

}  // namespace reasonrec::engine::utf8
