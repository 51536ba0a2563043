#pragma once

// UTF-8 decoding and encoding shared by every concern. Text arriving from datasets, models and
// templates may be ill-formed; the callers differ in what an invalid sequence must become, so
// each policy has its own named function here rather than a private copy at the caller.

#include <cstddef>
#include <string>
#include <string_view>

namespace reasonrec::utf8 {

struct Char {
  char32_t code_point;  // U+FFFD when !valid
  std::size_t length;   // bytes consumed
  bool valid;           // false: an ill-formed sequence (a literal U+FFFD in the text is valid)
};

// Strict decoding of the code point at text[pos] (pos < text.size()): overlongs, surrogates,
// code points past U+10FFFF and truncated sequences are invalid, and an invalid sequence is
// consumed as its "maximal subpart" (the valid prefix read so far, at least one byte), the
// convention of Unicode, WHATWG and Rust's from_utf8_lossy.
Char decode(std::string_view text, std::size_t pos);

// Structural decoding, for text that only has to round-trip byte for byte: any lead byte
// followed by the right number of continuation bytes decodes (overlongs, surrogates and values
// up to U+1FFFFF included); anything else is one invalid byte.
Char decode_lenient(std::string_view text, std::size_t pos);

void append(std::string& out, char32_t code_point);
std::string encode(char32_t code_point);

// Whether the text is well-formed UTF-8 (what decode() accepts throughout).
bool is_valid(std::string_view text);

// Replaces every invalid sequence (maximal subpart) by one U+FFFD, like from_utf8_lossy.
std::string sanitize(std::string_view text);
// Replaces every byte that does not start a valid sequence by its own U+FFFD.
std::string sanitize_per_byte(std::string_view text);

// Number of code points, counting each invalid sequence (maximal subpart) as one.
std::size_t length(std::string_view text);

}  // namespace reasonrec::utf8
