#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::eval {

// NLTK 3.8's word_tokenize(text, preserve_line=True), i.e. NLTKWordTokenizer().tokenize(text)
// without Punkt sentence splitting (no Debian package ships the Punkt model). Every regular
// expression pass of NLTK is reproduced on code points with Python's Unicode classes, so the
// tokens are the ones NLTK prints, case kept. UTF-8 in, UTF-8 out.
std::vector<std::string> nltk_word_tokenize(std::string_view text);

}  // namespace reasonrec::eval
