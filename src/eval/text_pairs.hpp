#pragma once

#include <string>
#include <vector>

namespace reasonrec::eval {

// One candidate text and its references, as the text metrics score them.
struct TextPair {
  std::string id;  // the input's id field, else the 1-based record number
  std::string candidate;
  std::vector<std::string> references;
};

enum class TextFileFormat {
  detect,  // .jsonl / .json files are JSONL, anything else plain text
  jsonl,   // one JSON object per line
  text,    // one segment per line
};

// Where pairs come from.
// - candidates JSONL: objects with `candidate_field` (a string) and optionally `id_field`; if
//   no reference files are given, `references_field` (a string or an array of strings) of
//   the same objects holds the references. Blank lines are skipped.
// - candidates text: one candidate per line (an empty line is an empty candidate).
// - each reference file adds references to the pair on the same record: JSONL files through
//   `references_field`, text files one reference per line. As with sacreBLEU's reference
//   streams, an empty text line means "no reference from this file"; a pair left with no
//   reference at all is an error.
struct TextPairSource {
  std::string candidates;
  std::vector<std::string> references;
  std::string candidate_field = "candidate";
  std::string references_field = "references";
  std::string id_field = "id";
  TextFileFormat format = TextFileFormat::detect;
};

// Reads every pair. Throws InputError naming the file and line on unreadable files, bad
// JSON, missing or mistyped fields, invalid UTF-8 and record counts that differ.
std::vector<TextPair> read_text_pairs(const TextPairSource& source);

}  // namespace reasonrec::eval
