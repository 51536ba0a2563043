#pragma once

// Renders a parsed template. Scoping follows Jinja2: each for-loop iteration and each macro
// call gets its own frame, {% set %} writes to the innermost frame, if-blocks share their
// enclosing frame, and namespace() objects are the only way to carry state out of a loop.

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "engine/chat/jinja_ast.hpp"
#include "engine/chat/jinja_value.hpp"

namespace reasonrec::engine::jinja {

// raise_exception(message) from a template.
class RaisedError : public EvalError {
 public:
  using EvalError::EvalError;
};

struct Frame {
  std::vector<std::pair<std::string, Value>> vars;
  const Frame* parent = nullptr;
  const Value* find(std::string_view name) const;
  void set(const std::string& name, Value value);
};

struct RenderLimits {
  std::size_t max_output_bytes = std::size_t{64} << 20;
  int max_call_depth = 64;
  std::size_t max_loop_iterations = 10'000'000;
};

class Interpreter {
 public:
  Interpreter(const std::string& source_name, RenderLimits limits)
      : name_(source_name), limits_(limits) {}

  // Throws InputError(source_name, line, ...) for errors in the template, including
  // raise_exception() calls (reason "template raised an error: <message>").
  std::string render(const Body& body, const Frame& globals);

  // For builtins: call any callable value, render a macro body.
  Value call(const Value& callee, const CallArgs& args);
  Value call_macro(const Stmt& macro, const CallArgs& args);
  const RenderLimits& limits() const { return limits_; }

 private:
  enum class Flow { Normal, Break, Continue };
  Flow exec(const Body& body, Frame& frame, std::string& out);
  Flow exec_stmt(const Stmt& s, Frame& frame, std::string& out);
  Flow exec_for(const Stmt& s, Frame& frame, std::string& out);
  Value eval(const Expr& e, Frame& frame);
  Value eval_impl(const Expr& e, Frame& frame);
  CallArgs eval_args(const Expr& e, Frame& frame, std::size_t first);
  void append(std::string& out, std::string_view text);

  const std::string& name_;
  RenderLimits limits_;
  const Frame* top_ = nullptr;
  int call_depth_ = 0;
  std::size_t iterations_ = 0;
};

}  // namespace reasonrec::engine::jinja
