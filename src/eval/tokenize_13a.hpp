#pragma once

#include <string>
#include <string_view>

namespace reasonrec::eval {

// sacreBLEU 2.6.0's "13a" tokenizer (mteval-v13a.pl): removes "<skipped>" and "-\n", turns
// the remaining newlines into spaces, unescapes &quot; &amp; &lt; &gt; (in that order, one
// pass each), splits off punctuation and symbols, splits '.' and ',' unless they sit
// between digits, splits '-' after a digit, and joins the tokens with single spaces.
// sacreBLEU rstrip()s the segment before calling the tokenizer; that is the caller's job.
std::string tokenize_13a(std::string_view line);

}  // namespace reasonrec::eval
