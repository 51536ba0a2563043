#include "engine/chat/jinja_interpreter.hpp"

#include "engine/chat/jinja_builtins.hpp"
#include "util/error.hpp"

namespace reasonrec::engine::jinja {

const Value* Frame::find(std::string_view name) const {
  for (const Frame* f = this; f != nullptr; f = f->parent) {
    for (const auto& [k, v] : f->vars) {
      if (k == name) return &v;
    }
  }
  return nullptr;
}

void Frame::set(const std::string& name, Value value) {
  for (auto& [k, v] : vars) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  vars.emplace_back(name, std::move(value));
}

namespace {

class Macro : public Callable {
 public:
  explicit Macro(const Stmt& definition) : definition_(definition) {}
  Value call(Interpreter& in, const CallArgs& args) const override {
    return in.call_macro(definition_, args);
  }

 private:
  const Stmt& definition_;
};

}  // namespace

std::string Interpreter::render(const Body& body, const Frame& globals) {
  Frame top;
  top.parent = &globals;
  top_ = &top;
  std::string out;
  const Flow flow = exec(body, top, out);
  if (flow != Flow::Normal) {
    throw InputError(name_, 0, "'break' or 'continue' outside of a for loop");
  }
  return out;
}

void Interpreter::append(std::string& out, std::string_view text) {
  if (out.size() + text.size() > limits_.max_output_bytes) {
    throw EvalError("rendered output exceeds " + std::to_string(limits_.max_output_bytes) +
                    " bytes");
  }
  out += text;
}

Interpreter::Flow Interpreter::exec(const Body& body, Frame& frame, std::string& out) {
  for (const Stmt& s : body) {
    const Flow flow = exec_stmt(s, frame, out);
    if (flow != Flow::Normal) return flow;
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_stmt(const Stmt& s, Frame& frame, std::string& out) {
  try {
    switch (s.kind) {
      case Stmt::Kind::Text:
        append(out, s.text);
        break;
      case Stmt::Kind::Output:
        append(out, to_str(eval(*s.expr, frame)));
        break;
      case Stmt::Kind::If:
        for (const auto& [condition, branch] : s.branches) {
          if (!condition || truthy(eval(*condition, frame))) return exec(branch, frame, out);
        }
        break;
      case Stmt::Kind::For:
        return exec_for(s, frame, out);
      case Stmt::Kind::Set: {
        Value value = eval(*s.expr, frame);
        if (s.attribute.empty()) {
          frame.set(s.targets[0], std::move(value));
          break;
        }
        const Value* target = frame.find(s.targets[0]);
        if (target == nullptr || !target->is_namespace()) {
          throw EvalError("cannot assign attribute on non-namespace object '" + s.targets[0] + "'");
        }
        target->namespace_attributes().set(s.attribute, std::move(value));
        break;
      }
      case Stmt::Kind::SetBlock: {
        std::string captured;
        if (exec(s.body, frame, captured) != Flow::Normal) {
          throw EvalError("'break' or 'continue' inside a set block");
        }
        frame.set(s.targets[0], Value::string(std::move(captured)));
        break;
      }
      case Stmt::Kind::Macro:
        frame.set(s.targets[0], Value::callable(std::make_shared<Macro>(s)));
        break;
      case Stmt::Kind::Break:
        return Flow::Break;
      case Stmt::Kind::Continue:
        return Flow::Continue;
      case Stmt::Kind::Block:
        return exec(s.body, frame, out);
    }
  } catch (const RaisedError& e) {
    throw InputError(name_, s.line, std::string("template raised an error: ") + e.what());
  } catch (const EvalError& e) {
    throw InputError(name_, s.line, e.what());
  }
  return Flow::Normal;
}

Interpreter::Flow Interpreter::exec_for(const Stmt& s, Frame& frame, std::string& out) {
  const Value iterable = eval(*s.expr, frame);
  List items = iterate(iterable);
  if (s.condition) {
    // "for x in xs if cond": filter first, so loop.index and loop.length count kept items.
    List kept;
    for (auto& item : items) {
      Frame probe;
      probe.parent = &frame;
      if (s.targets.size() == 1) {
        probe.set(s.targets[0], item);
      } else {
        const List parts = iterate(item);
        for (std::size_t k = 0; k < s.targets.size() && k < parts.size(); ++k) {
          probe.set(s.targets[k], parts[k]);
        }
      }
      if (truthy(eval(*s.condition, probe))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    Frame inner;
    inner.parent = &frame;
    exec(s.else_body, inner, out);  // break/continue here end the else block only
    return Flow::Normal;
  }
  const auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n; ++i) {
    if (++iterations_ > limits_.max_loop_iterations) {
      throw InputError(name_, s.line, "too many loop iterations");
    }
    const auto index = static_cast<std::size_t>(i);
    Frame inner;
    inner.parent = &frame;
    Dict loop;
    loop.set("index", Value::integer(i + 1));
    loop.set("index0", Value::integer(i));
    loop.set("revindex", Value::integer(n - i));
    loop.set("revindex0", Value::integer(n - i - 1));
    loop.set("first", Value::boolean(i == 0));
    loop.set("last", Value::boolean(i == n - 1));
    loop.set("length", Value::integer(n));
    loop.set("previtem", i > 0 ? items[index - 1] : Value::undefined("there is no previous item"));
    loop.set("nextitem", i + 1 < n ? items[index + 1] : Value::undefined("there is no next item"));
    inner.set("loop", Value::dict(std::move(loop)));
    if (s.targets.size() == 1) {
      inner.set(s.targets[0], items[index]);
    } else {
      const List parts = iterate(items[index]);
      if (parts.size() != s.targets.size()) {
        throw InputError(name_, s.line,
                         "cannot unpack " + std::to_string(parts.size()) + " values into " +
                             std::to_string(s.targets.size()) + " loop variables");
      }
      for (std::size_t k = 0; k < parts.size(); ++k) inner.set(s.targets[k], parts[k]);
    }
    if (exec(s.body, inner, out) == Flow::Break) break;
  }
  return Flow::Normal;
}

Value Interpreter::call(const Value& callee, const CallArgs& args) {
  if (callee.is_undefined()) {
    throw EvalError(callee.undefined_hint().empty() ? "cannot call an undefined value"
                                                    : callee.undefined_hint());
  }
  if (!callee.is_callable()) throw EvalError("'" + type_name(callee) + "' object is not callable");
  if (++call_depth_ > limits_.max_call_depth) {
    --call_depth_;
    throw EvalError("maximum call depth exceeded");
  }
  struct Leave {
    int& depth;
    ~Leave() { --depth; }
  } leave{call_depth_};
  return callee.as_callable().call(*this, args);
}

Value Interpreter::call_macro(const Stmt& macro, const CallArgs& args) {
  Frame frame;
  frame.parent = top_;
  if (args.positional.size() > macro.params.size()) {
    throw EvalError("macro '" + macro.targets[0] + "' takes not more than " +
                    std::to_string(macro.params.size()) + " argument(s)");
  }
  for (std::size_t i = 0; i < macro.params.size(); ++i) {
    const auto& [param, default_value] = macro.params[i];
    const Value* given = nullptr;
    if (i < args.positional.size()) given = &args.positional[i];
    for (const auto& [key, value] : args.keyword) {
      if (key == param) given = &value;
    }
    if (given != nullptr) {
      frame.set(param, *given);
    } else if (default_value) {
      frame.set(param, eval(*default_value, frame));
    } else {
      frame.set(param, Value::undefined("parameter '" + param + "' was not provided"));
    }
  }
  for (const auto& [key, value] : args.keyword) {
    bool known = false;
    for (const auto& p : macro.params) known = known || p.first == key;
    if (!known)
      throw EvalError("macro '" + macro.targets[0] + "' takes no keyword argument '" + key + "'");
  }
  std::string out;
  if (exec(macro.body, frame, out) != Flow::Normal) {
    throw EvalError("'break' or 'continue' outside of a for loop");
  }
  return Value::string(std::move(out));
}

CallArgs Interpreter::eval_args(const Expr& e, Frame& frame, std::size_t first) {
  CallArgs args;
  for (std::size_t i = first; i < e.args.size(); ++i)
    args.positional.push_back(eval(*e.args[i], frame));
  for (const auto& [key, value] : e.keyword) args.keyword.emplace_back(key, eval(*value, frame));
  return args;
}

Value Interpreter::eval(const Expr& e, Frame& frame) {
  try {
    return eval_impl(e, frame);
  } catch (const RaisedError& err) {
    throw InputError(name_, e.line, std::string("template raised an error: ") + err.what());
  } catch (const EvalError& err) {
    throw InputError(name_, e.line, err.what());
  }
}

namespace {

[[noreturn]] void undefined_error(const Value& v) {
  throw EvalError(v.undefined_hint().empty() ? "value is undefined" : v.undefined_hint());
}

}  // namespace

Value Interpreter::eval_impl(const Expr& e, Frame& frame) {
  switch (e.kind) {
    case Expr::Kind::Literal:
      return e.literal;
    case Expr::Kind::Name: {
      const Value* v = frame.find(e.name);
      return v != nullptr ? *v : Value::undefined("'" + e.name + "' is undefined");
    }
    case Expr::Kind::ListLit:
    case Expr::Kind::TupleLit: {
      List items;
      for (const auto& a : e.args) items.push_back(eval(*a, frame));
      return e.kind == Expr::Kind::TupleLit ? Value::tuple(std::move(items))
                                            : Value::list(std::move(items));
    }
    case Expr::Kind::DictLit: {
      Dict d;
      for (std::size_t i = 0; i + 1 < e.args.size(); i += 2) {
        const Value key = eval(*e.args[i], frame);
        if (!key.is_string()) throw EvalError("dict keys must be strings in this Jinja subset");
        d.set(key.as_string(), eval(*e.args[i + 1], frame));
      }
      return Value::dict(std::move(d));
    }
    case Expr::Kind::Attribute: {
      const Value obj = eval(*e.args[0], frame);
      if (obj.is_undefined()) undefined_error(obj);
      return get_attribute(obj, e.name);
    }
    case Expr::Kind::Item: {
      const Value obj = eval(*e.args[0], frame);
      if (obj.is_undefined()) undefined_error(obj);
      return get_item(obj, eval(*e.args[1], frame));
    }
    case Expr::Kind::Slice: {
      const Value obj = eval(*e.args[0], frame);
      if (obj.is_undefined()) undefined_error(obj);
      const auto part = [&](std::size_t i) {
        return e.args[i] ? eval(*e.args[i], frame) : Value::none();
      };
      return slice(obj, part(1), part(2), part(3));
    }
    case Expr::Kind::Call: {
      const Value callee = eval(*e.args[0], frame);
      return call(callee, eval_args(e, frame, 1));
    }
    case Expr::Kind::Filter: {
      const Value input = eval(*e.args[0], frame);
      return apply_filter(*this, e.name, input, eval_args(e, frame, 1));
    }
    case Expr::Kind::Test: {
      const Value input = eval(*e.args[0], frame);
      const bool result = apply_test(*this, e.name, input, eval_args(e, frame, 1));
      return Value::boolean(result != e.negated);
    }
    case Expr::Kind::Unary: {
      const Value v = eval(*e.args[0], frame);
      if (e.name == "not") return Value::boolean(!truthy(v));
      if (v.is_bool() || v.is_int()) {
        const std::int64_t i = v.is_bool() ? std::int64_t{v.as_bool()} : v.as_int();
        if (e.name == "+") return Value::integer(i);
        if (i == INT64_MIN) throw EvalError("integer overflow");
        return Value::integer(-i);
      }
      if (v.is_float()) return Value::number(e.name == "-" ? -v.as_float() : v.as_float());
      if (v.is_undefined()) undefined_error(v);
      throw EvalError("bad operand type for unary " + e.name + ": '" + type_name(v) + "'");
    }
    case Expr::Kind::Binary:
      return binary_op(e.name, eval(*e.args[0], frame), eval(*e.args[1], frame));
    case Expr::Kind::Compare: {
      Value left = eval(*e.args[0], frame);
      for (std::size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.args[i + 1], frame);
        const std::string& op = e.ops[i];
        bool ok = false;
        if (op == "==")
          ok = equals(left, right);
        else if (op == "!=")
          ok = !equals(left, right);
        else if (op == "<")
          ok = less(left, right);
        else if (op == ">")
          ok = less(right, left);
        else if (op == "<=")
          ok = !less(right, left);
        else if (op == ">=")
          ok = !less(left, right);
        else if (op == "in")
          ok = contains(right, left);
        else
          ok = !contains(right, left);
        if (!ok) return Value::boolean(false);
        left = std::move(right);
      }
      return Value::boolean(true);
    }
    case Expr::Kind::And: {
      Value left = eval(*e.args[0], frame);
      return truthy(left) ? eval(*e.args[1], frame) : left;
    }
    case Expr::Kind::Or: {
      Value left = eval(*e.args[0], frame);
      return truthy(left) ? left : eval(*e.args[1], frame);
    }
    case Expr::Kind::Conditional:
      if (truthy(eval(*e.args[1], frame))) return eval(*e.args[0], frame);
      if (e.args[2]) return eval(*e.args[2], frame);
      return Value::undefined("the inline if expression had no else branch");
  }
  return Value();
}

}  // namespace reasonrec::engine::jinja
