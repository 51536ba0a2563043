#pragma once

// The Unicode character classes of Python 3.11's `re` for str patterns, which NLTK's
// regular-expression tokenizers depend on.
namespace reasonrec::eval::pyre {

// \w: str.isalnum() or '_' (and so the \b word boundary).
bool is_word(char32_t c);
// \d: str.isdecimal().
bool is_decimal(char32_t c);

}  // namespace reasonrec::eval::pyre
