#pragma once

// Syntax tree of the Jinja subset, produced by parse() from the lexer's segments.

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/chat/jinja_lexer.hpp"
#include "engine/chat/jinja_value.hpp"

namespace reasonrec::engine::jinja {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind {
    Literal,    // literal
    Name,       // name
    ListLit,    // args
    TupleLit,   // args
    DictLit,    // keyword (keys are literal strings) or args as key/value pairs
    Attribute,  // args[0] . name
    Item,       // args[0] [ args[1] ]
    Slice,      // args[0] [ args[1] : args[2] : args[3] ] (null parts allowed)
    Call,       // args[0] ( args[1..], keyword )
    Filter,     // args[0] | name ( args[1..], keyword )
    Test,       // args[0] is [not] name ( args[1..] )
    Unary,      // name is "-", "+" or "not"; args[0]
    Binary,     // name is the operator; args[0], args[1]
    Compare,    // args[0] ops[0] args[1] ops[1] args[2] ...
    And,
    Or,
    Conditional  // args[0] if args[1] else args[2] (args[2] may be null)
  };
  Kind kind;
  std::size_t line = 0;
  Value literal;
  std::string name;
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  std::vector<std::string> ops;
  bool negated = false;
};

struct Stmt;
using Body = std::vector<Stmt>;

struct Stmt {
  enum class Kind { Text, Output, If, For, Set, SetBlock, Macro, Break, Continue, Block };
  Kind kind;
  std::size_t line = 0;
  std::string text;                                     // Text
  ExprPtr expr;                                         // Output value, Set value, For iterable
  std::vector<std::string> targets;                     // For / Set targets; Macro: name
  std::string attribute;                                // Set ns.attribute
  ExprPtr condition;                                    // For filter ("for x in y if cond")
  std::vector<std::pair<ExprPtr, Body>> branches;       // If (condition null for else)
  Body body;                                            // For / SetBlock / Macro / Block
  Body else_body;                                       // For ... else
  std::vector<std::pair<std::string, ExprPtr>> params;  // Macro parameters and defaults
};

// Throws InputError(source_name, line, ...) on syntax errors.
Body parse(const std::vector<Segment>& segments, const std::string& source_name);

}  // namespace reasonrec::engine::jinja
