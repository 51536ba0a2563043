#pragma once

// Values of the Jinja2 subset that chat templates use. They follow Python semantics (the
// reference is Jinja2 running under Python, as in transformers' apply_chat_template):
// truthiness, equality across int/float/bool, str() and repr() spellings, json.dumps output.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::engine::jinja {

class Value;
class Interpreter;

// A template-level error without a location yet; the interpreter adds file and line.
class EvalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using List = std::vector<Value>;

// Insertion-ordered like a Python dict. Keys are strings: the only keys chat templates use.
class Dict {
 public:
  const Value* find(std::string_view key) const;
  void set(std::string key, Value value);
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }
  std::size_t size() const;  // out of line: Value is incomplete here

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

class Callable {
 public:
  virtual ~Callable() = default;
  virtual Value call(Interpreter& interpreter, const CallArgs& args) const = 0;
};

// Jinja's default Undefined: prints as "", is falsy, iterates as empty; using it in arithmetic
// or looking up an attribute on it is an error that names what was undefined.
struct Undefined {
  std::string hint;
};

// namespace(): the one mutable object templates have ({% set ns.attr = ... %}).
struct Namespace {
  std::shared_ptr<Dict> attributes;
};

class Value {
 public:
  Value() : storage_(Undefined{}) {}
  static Value undefined(std::string hint) { return Value(Undefined{std::move(hint)}); }
  static Value none() { return Value(nullptr); }
  static Value boolean(bool b) { return Value(b); }
  static Value integer(std::int64_t i) { return Value(i); }
  static Value number(double d) { return Value(d); }
  static Value string(std::string s) { return Value(std::move(s)); }
  static Value list(List items) {
    return Value(ListRef{std::make_shared<const List>(std::move(items)), false});
  }
  // A tuple behaves as a list except that it prints as (a, b) and never equals a list.
  static Value tuple(List items) {
    return Value(ListRef{std::make_shared<const List>(std::move(items)), true});
  }
  static Value dict(Dict d) { return Value(std::make_shared<const Dict>(std::move(d))); }
  static Value make_namespace(Dict d) {
    return Value(Namespace{std::make_shared<Dict>(std::move(d))});
  }
  static Value callable(std::shared_ptr<const Callable> f) { return Value(std::move(f)); }

  bool is_undefined() const { return std::holds_alternative<Undefined>(storage_); }
  bool is_none() const { return std::holds_alternative<std::nullptr_t>(storage_); }
  bool is_bool() const { return std::holds_alternative<bool>(storage_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(storage_); }
  bool is_float() const { return std::holds_alternative<double>(storage_); }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return std::holds_alternative<std::string>(storage_); }
  bool is_list() const { return std::holds_alternative<ListRef>(storage_); }
  bool is_tuple() const { return is_list() && std::get<ListRef>(storage_).tuple; }
  bool is_dict() const { return std::holds_alternative<std::shared_ptr<const Dict>>(storage_); }
  bool is_namespace() const { return std::holds_alternative<Namespace>(storage_); }
  bool is_callable() const {
    return std::holds_alternative<std::shared_ptr<const Callable>>(storage_);
  }

  const std::string& undefined_hint() const { return std::get<Undefined>(storage_).hint; }
  bool as_bool() const { return std::get<bool>(storage_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(storage_); }
  double as_float() const { return std::get<double>(storage_); }
  // int, float or bool as a double (Python's numeric tower).
  double as_double() const;
  const std::string& as_string() const { return std::get<std::string>(storage_); }
  const List& as_list() const { return *std::get<ListRef>(storage_).items; }
  const Dict& as_dict() const { return *std::get<std::shared_ptr<const Dict>>(storage_); }
  Dict& namespace_attributes() const { return *std::get<Namespace>(storage_).attributes; }
  const Callable& as_callable() const {
    return *std::get<std::shared_ptr<const Callable>>(storage_);
  }

 private:
  struct ListRef {
    std::shared_ptr<const List> items;
    bool tuple = false;
  };
  using Storage =
      std::variant<Undefined, std::nullptr_t, bool, std::int64_t, double, std::string, ListRef,
                   std::shared_ptr<const Dict>, Namespace, std::shared_ptr<const Callable>>;
  template <typename T>
  explicit Value(T v) : storage_(std::move(v)) {}
  Storage storage_;
};

// Python's bool(x); Undefined is falsy.
bool truthy(const Value& v);
// Python's str(x) as Jinja prints it; Undefined prints as "".
std::string to_str(const Value& v);
// Python's repr(x) (how lists and dicts print).
std::string repr(const Value& v);
// Python's repr() of a float ("1.0", "1e-05", "1e+16").
std::string python_float_repr(double d);
// json.dumps(x, ensure_ascii=False, indent=indent): the tojson filter of apply_chat_template.
std::string to_json(const Value& v, std::optional<int> indent);
// Python ==.
bool equals(const Value& a, const Value& b);
// Python <: numbers, strings (code point order), lists; EvalError otherwise.
bool less(const Value& a, const Value& b);
// Python's type name, for messages.
std::string type_name(const Value& v);
// Python len(): code points of a string, items of a list or dict; EvalError otherwise.
std::int64_t length(const Value& v);
// The items `for x in v` visits: list items, dict keys, string characters; Undefined: none.
List iterate(const Value& v);

Value from_json(const nlohmann::ordered_json& j);

}  // namespace reasonrec::engine::jinja
