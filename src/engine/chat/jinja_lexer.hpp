#pragma once

// Splits a Jinja template into text, {{ output }} and {% statement %} segments, applying
// whitespace control exactly as Jinja2 does with trim_blocks=True and lstrip_blocks=True (the
// settings of transformers' apply_chat_template), and tokenizes the expressions inside tags.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::engine::jinja {

struct Token {
  enum class Kind { Name, String, Integer, Float, Operator, End };
  Kind kind = Kind::End;
  std::string text;  // name, decoded string, operator spelling
  std::int64_t integer = 0;
  double floating = 0.0;
  std::size_t line = 0;
};

struct Segment {
  enum class Kind { Text, Output, Statement };
  Kind kind = Kind::Text;
  std::string text;           // Text segments
  std::vector<Token> tokens;  // Output / Statement segments, ending with an End token
  std::size_t line = 0;
};

struct LexOptions {
  bool trim_blocks = true;
  bool lstrip_blocks = true;
};

// Throws InputError(source_name, line, ...) on unterminated tags, strings or comments and on
// characters that are not part of the expression language.
std::vector<Segment> lex(std::string_view source, const std::string& source_name,
                         LexOptions options = {});

}  // namespace reasonrec::engine::jinja
