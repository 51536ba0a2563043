#pragma once

#include <string>
#include <string_view>
#include <vector>

// Python 3.11 `str` semantics over UTF-8 text, for metrics that must tokenise exactly as
// their Python reference implementations do (sacreBLEU, NLTK, rouge-score).
//
// Text is UTF-8. An invalid byte counts as one code point of its own (Python would have
// refused to decode it; we must neither crash nor lose it), and is left untouched.
namespace reasonrec::eval::pytext {

// Decodes one code point starting at text[pos] and advances pos past it. An invalid or
// truncated sequence yields U+DC80 + byte (like Python's surrogateescape) for one byte.
char32_t next_code_point(std::string_view text, std::size_t& pos);
std::u32string decode(std::string_view text);
std::string encode(std::u32string_view text);

// str.isspace() for one code point: the separators str.split() splits on.
bool is_space(char32_t c);

// str.split() without arguments: runs of whitespace separate, no empty pieces. The pieces
// are views into `text`.
std::vector<std::string_view> split(std::string_view text);
// Appends the pieces to `out` (lets hot loops reuse a vector).
void split_into(std::string_view text, std::vector<std::string_view>& out);

// str.strip() / str.rstrip() without arguments.
std::string_view strip(std::string_view text);
std::string_view rstrip(std::string_view text);

// str.lower(): full Unicode lowercase mapping, including U+0130 -> "i\u0307" and the
// Final_Sigma rule for U+03A3.
std::string lower(std::string_view text);

// Number of code points (len() of the Python str).
std::size_t length(std::string_view text);

}  // namespace reasonrec::eval::pytext
