#pragma once

#include <string>
#include <string_view>
#include <vector>

// Unicode character classes and transforms with the definitions HF tokenizers (Rust) uses.
namespace reasonrec::engine::unicode {

bool is_whitespace(char32_t c);      // White_Space property (Rust char::is_whitespace)
bool is_alphanumeric(char32_t c);    // Alphabetic or General_Category N*
bool is_numeric(char32_t c);         // General_Category N*
bool is_punctuation(char32_t c);     // ASCII punctuation or General_Category P*
bool is_other(char32_t c);           // General_Category C*
bool is_combining_mark(char32_t c);  // General_Category M*
bool is_chinese_char(char32_t c);    // the CJK blocks BERT isolates

enum class NormalForm { NFC, NFD, NFKC, NFKD };
std::string normalize(std::string_view utf8_text, NormalForm form);
std::string to_lower(std::string_view utf8_text);  // full Unicode lowercase, final sigma
// Extended grapheme clusters, as byte strings.
std::vector<std::string_view> graphemes(std::string_view utf8_text);

}  // namespace reasonrec::engine::unicode
