#pragma once

// The sentence splitter of the leakage scrub (docs/recsaver.md, "Sentences"): explanations as
// LLMs write them, with abbreviations, decimals, ellipses, line breaks, headings and bullet
// lists.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::recsaver {

// One sentence: text[begin, end) of the text it was split from, without the whitespace around
// it. A bullet's marker ("- ", "2. ") belongs to its first sentence.
struct Sentence {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string_view text;
};

// Splits `text` into sentences, in order. A sentence ends
// - at '.', '!', '?', '…' or a run of them ("...", "?!"), with any closing quotes or brackets,
//   when whitespace follows and the next word does not start with a lowercase letter: "4.5",
//   "amazon.com", "... and then" and "e.g. the" do not end one;
// - except after a title or Latin abbreviation (Mr., Dr., St., vs., e.g., i.e., approx., No. 5,
//   ...) or an initial ("J. K. Rowling");
// - at every line break, except inside a paragraph wrapped by hand (the line ends without
//   punctuation and the next starts with a lowercase letter); a blank line, a bullet or a
//   numbered item always starts a new sentence;
// - at the end of the text.
// Never throws; any bytes are accepted (invalid UTF-8 passes through).
std::vector<Sentence> split_sentences(std::string_view text);

// The sentences' texts alone.
std::vector<std::string> sentence_texts(std::string_view text);

}  // namespace reasonrec::recsaver
