#pragma once

// Filters, tests, methods and global functions of the Jinja subset (see docs/chat-templates.md).

#include <string>

#include "engine/chat/jinja_interpreter.hpp"
#include "engine/chat/jinja_value.hpp"

namespace reasonrec::engine::jinja {

Value apply_filter(Interpreter& in, const std::string& name, const Value& input,
                   const CallArgs& args);
bool apply_test(Interpreter& in, const std::string& name, const Value& input, const CallArgs& args);
// obj.name: Python attributes (bound methods of str and dict) first, then items.
Value get_attribute(const Value& obj, const std::string& name);
// obj[key]: items first, then attributes (as Jinja's getitem does).
Value get_item(const Value& obj, const Value& key);
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step);
bool contains(const Value& container, const Value& item);
Value binary_op(const std::string& op, const Value& a, const Value& b);
// raise_exception, strftime_now, namespace, range, dict.
void add_default_globals(Frame& globals);

}  // namespace reasonrec::engine::jinja
