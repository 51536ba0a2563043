#include "engine/chat/jinja_builtins.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>

#include "engine/chat/python_str.hpp"

namespace reasonrec::engine::jinja {
namespace {

// ---------------------------------------------------------------- argument helpers

// Positional argument i, else keyword `name`, else nullptr.
const Value* arg(const CallArgs& args, std::size_t i, std::string_view name) {
  for (const auto& [key, value] : args.keyword) {
    if (key == name) return &value;
  }
  return i < args.positional.size() ? &args.positional[i] : nullptr;
}

const std::string& string_arg(const CallArgs& args, std::size_t i, std::string_view name,
                              std::string_view function) {
  const Value* v = arg(args, i, name);
  if (v == nullptr || !v->is_string()) {
    throw EvalError(std::string(function) + "() expects a string for argument '" +
                    std::string(name) + "'");
  }
  return v->as_string();
}

std::int64_t int_of(const Value& v, std::string_view what) {
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool() ? 1 : 0;
  throw EvalError(std::string(what) + " must be an integer, not '" + type_name(v) + "'");
}

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string ascii_upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}
std::string capitalize(const std::string& s) {
  std::string out = ascii_lower(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}
std::string title(const std::string& s) {
  std::string out = s;
  bool previous_cased = false;
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalpha(u)) {
      c = static_cast<char>(previous_cased ? std::tolower(u) : std::toupper(u));
      previous_cased = true;
    } else {
      previous_cased = u >= 0x80;  // letters outside ASCII keep the word going
    }
  }
  return out;
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to,
                        std::int64_t count) {
  std::string out;
  if (from.empty()) {
    // Python inserts `to` around every character.
    const auto cps = code_points(s);
    std::int64_t done = 0;
    for (const auto& cp : cps) {
      if (count < 0 || done < count) {
        out += to;
        ++done;
      }
      out += s.substr(cp.offset, cp.size);
    }
    if (count < 0 || done < count) out += to;
    return out;
  }
  std::size_t pos = 0;
  std::int64_t done = 0;
  while (count < 0 || done < count) {
    const std::size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out += s.substr(pos, hit - pos) + to;
    pos = hit + from.size();
    ++done;
  }
  return out + s.substr(pos);
}

List split(const std::string& s, const Value* separator, std::int64_t max_split) {
  List parts;
  if (separator == nullptr || separator->is_none()) {
    const auto cps = code_points(s);
    std::size_t i = 0;
    while (i < cps.size()) {
      while (i < cps.size() && is_python_space(cps[i].value)) ++i;
      if (i >= cps.size()) break;
      if (max_split >= 0 && static_cast<std::int64_t>(parts.size()) == max_split) {
        const std::string rest(rstrip(std::string_view(s).substr(cps[i].offset)));
        parts.push_back(Value::string(rest));
        break;
      }
      const std::size_t start = cps[i].offset;
      while (i < cps.size() && !is_python_space(cps[i].value)) ++i;
      const std::size_t end = i < cps.size() ? cps[i].offset : s.size();
      parts.push_back(Value::string(s.substr(start, end - start)));
    }
    return parts;
  }
  if (!separator->is_string()) throw EvalError("split() separator must be a string");
  const std::string& sep = separator->as_string();
  if (sep.empty()) throw EvalError("empty separator");
  std::size_t pos = 0;
  while (max_split < 0 || static_cast<std::int64_t>(parts.size()) < max_split) {
    const std::size_t hit = s.find(sep, pos);
    if (hit == std::string::npos) break;
    parts.push_back(Value::string(s.substr(pos, hit - pos)));
    pos = hit + sep.size();
  }
  parts.push_back(Value::string(s.substr(pos)));
  return parts;
}

bool affix_match(const std::string& s, const Value& affix, bool prefix) {
  const auto one = [&](const Value& a) {
    if (!a.is_string()) throw EvalError("startswith/endswith arguments must be strings");
    const std::string& x = a.as_string();
    if (x.size() > s.size()) return false;
    return prefix ? s.compare(0, x.size(), x) == 0
                  : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (affix.is_list()) {
    return std::any_of(affix.as_list().begin(), affix.as_list().end(), one);
  }
  return one(affix);
}

// ---------------------------------------------------------------- methods

class BoundMethod : public Callable {
 public:
  BoundMethod(Value self, std::string name) : self_(std::move(self)), name_(std::move(name)) {}
  Value call(Interpreter& in, const CallArgs& args) const override;

 private:
  Value self_;
  std::string name_;
};

bool is_string_method(std::string_view n) {
  static const char* const names[] = {"strip",    "lstrip",  "rstrip",  "split",     "startswith",
                                      "endswith", "lower",   "upper",   "title",     "capitalize",
                                      "replace",  "find",    "count",   "join",      "isdigit",
                                      "isspace",  "isalpha", "isalnum", "splitlines"};
  return std::find(std::begin(names), std::end(names), n) != std::end(names);
}
bool is_dict_method(std::string_view n) {
  return n == "items" || n == "keys" || n == "values" || n == "get";
}

Value string_method(const std::string& s, const std::string& name, const CallArgs& args) {
  const auto strip_like = [&](bool left, bool right) {
    const Value* chars = arg(args, 0, "chars");
    if (chars == nullptr || chars->is_none()) {
      return Value::string(std::string(left && right ? strip(s) : left ? lstrip(s) : rstrip(s)));
    }
    if (!chars->is_string()) throw EvalError(name + " arg must be None or str");
    return Value::string(std::string(strip_chars(s, chars->as_string(), left, right)));
  };
  if (name == "strip") return strip_like(true, true);
  if (name == "lstrip") return strip_like(true, false);
  if (name == "rstrip") return strip_like(false, true);
  if (name == "lower") return Value::string(ascii_lower(s));
  if (name == "upper") return Value::string(ascii_upper(s));
  if (name == "title") return Value::string(title(s));
  if (name == "capitalize") return Value::string(capitalize(s));
  if (name == "split") {
    const Value* max = arg(args, 1, "maxsplit");
    return Value::list(split(s, arg(args, 0, "sep"), max ? int_of(*max, "maxsplit") : -1));
  }
  if (name == "splitlines") {
    List lines;
    std::size_t pos = 0;
    while (pos < s.size()) {
      const std::size_t nl = s.find('\n', pos);
      if (nl == std::string::npos) {
        lines.push_back(Value::string(s.substr(pos)));
        break;
      }
      std::size_t end = nl;
      if (end > pos && s[end - 1] == '\r') --end;
      lines.push_back(Value::string(s.substr(pos, end - pos)));
      pos = nl + 1;
    }
    return Value::list(std::move(lines));
  }
  if (name == "startswith" || name == "endswith") {
    const Value* affix = arg(args, 0, "prefix");
    if (affix == nullptr) throw EvalError(name + "() takes at least 1 argument");
    return Value::boolean(affix_match(s, *affix, name == "startswith"));
  }
  if (name == "replace") {
    const Value* count = arg(args, 2, "count");
    return Value::string(replace_all(s, string_arg(args, 0, "old", name),
                                     string_arg(args, 1, "new", name),
                                     count ? int_of(*count, "count") : -1));
  }
  if (name == "find") {
    const std::size_t hit = s.find(string_arg(args, 0, "sub", name));
    return Value::integer(hit == std::string::npos
                              ? -1
                              : static_cast<std::int64_t>(count_code_points(s.substr(0, hit))));
  }
  if (name == "count") {
    const std::string& sub = string_arg(args, 0, "sub", name);
    if (sub.empty()) return Value::integer(static_cast<std::int64_t>(count_code_points(s)) + 1);
    std::int64_t n = 0;
    for (std::size_t pos = s.find(sub); pos != std::string::npos;
         pos = s.find(sub, pos + sub.size()))
      ++n;
    return Value::integer(n);
  }
  if (name == "join") {
    const Value* items = arg(args, 0, "iterable");
    if (items == nullptr) throw EvalError("join() takes exactly one argument");
    std::string out;
    bool first = true;
    for (const auto& item : iterate(*items)) {
      if (!item.is_string())
        throw EvalError("sequence item: expected str instance, " + type_name(item) + " found");
      if (!first) out += s;
      first = false;
      out += item.as_string();
    }
    return Value::string(std::move(out));
  }
  const auto all_of = [&](auto pred) {
    if (s.empty()) return Value::boolean(false);
    for (const auto& cp : code_points(s)) {
      if (!pred(cp.value)) return Value::boolean(false);
    }
    return Value::boolean(true);
  };
  if (name == "isdigit") return all_of([](char32_t c) { return c >= '0' && c <= '9'; });
  if (name == "isspace") return all_of(is_python_space);
  if (name == "isalpha") {
    return all_of([](char32_t c) { return c < 0x80 && std::isalpha(static_cast<int>(c)); });
  }
  return all_of([](char32_t c) { return c < 0x80 && std::isalnum(static_cast<int>(c)); });
}

Value dict_method(const Dict& d, const std::string& name, const CallArgs& args) {
  if (name == "items") {
    List items;
    for (const auto& [k, v] : d.entries()) items.push_back(Value::tuple({Value::string(k), v}));
    return Value::list(std::move(items));
  }
  if (name == "keys") {
    List keys;
    for (const auto& entry : d.entries()) keys.push_back(Value::string(entry.first));
    return Value::list(std::move(keys));
  }
  if (name == "values") {
    List values;
    for (const auto& entry : d.entries()) values.push_back(entry.second);
    return Value::list(std::move(values));
  }
  const Value* key = arg(args, 0, "key");
  if (key == nullptr) throw EvalError("get() takes at least 1 argument");
  const Value* fallback = arg(args, 1, "default");
  if (key->is_string()) {
    if (const Value* found = d.find(key->as_string())) return *found;
  }
  return fallback != nullptr ? *fallback : Value::none();
}

Value BoundMethod::call(Interpreter&, const CallArgs& args) const {
  if (self_.is_string()) return string_method(self_.as_string(), name_, args);
  return dict_method(self_.as_dict(), name_, args);
}

// ---------------------------------------------------------------- filters

// Jinja's attribute getter for selectattr/map/join: "a.b.0" looks up item by item.
Value attribute_path(const Value& item, const std::string& path) {
  Value current = item;
  std::size_t pos = 0;
  while (true) {
    const std::size_t dot = path.find('.', pos);
    const std::string part =
        path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos);
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
    if (current.is_undefined()) return current;
    current = numeric && part.size() < 18 ? get_item(current, Value::integer(std::stoll(part)))
                                          : get_item(current, Value::string(part));
    if (dot == std::string::npos) return current;
    pos = dot + 1;
  }
}

CallArgs tail_args(const CallArgs& args, std::size_t from) {
  CallArgs rest;
  for (std::size_t i = from; i < args.positional.size(); ++i)
    rest.positional.push_back(args.positional[i]);
  rest.keyword = args.keyword;
  return rest;
}

Value select_filter(Interpreter& in, const Value& input, const CallArgs& args, bool by_attribute,
                    bool keep_when) {
  const std::size_t test_at = by_attribute ? 1 : 0;
  std::string attribute;
  if (by_attribute) attribute = string_arg(args, 0, "attribute", "selectattr");
  const Value* test = test_at < args.positional.size() ? &args.positional[test_at] : nullptr;
  if (test != nullptr && !test->is_string()) throw EvalError("test name must be a string");
  const CallArgs test_args = tail_args(args, test_at + 1);
  List out;
  for (const auto& item : iterate(input)) {
    const Value probe = by_attribute ? attribute_path(item, attribute) : item;
    const bool passed = test ? apply_test(in, test->as_string(), probe, test_args) : truthy(probe);
    if (passed == keep_when) out.push_back(item);
  }
  return Value::list(std::move(out));
}

Value sort_keys(const Value& v) {
  if (v.is_list()) {
    List items;
    for (const auto& item : v.as_list()) items.push_back(sort_keys(item));
    return Value::list(std::move(items));
  }
  if (!v.is_dict()) return v;
  auto entries = v.as_dict().entries();
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  Dict d;
  for (auto& [k, item] : entries) d.set(k, sort_keys(item));
  return Value::dict(std::move(d));
}

std::optional<std::int64_t> parse_python_int(std::string s) {
  const std::string_view trimmed = strip(s);
  std::string digits;
  for (char c : trimmed) {
    if (c != '_') digits += c;
  }
  if (digits.empty()) return std::nullopt;
  std::size_t used = 0;
  try {
    const long long v = std::stoll(digits, &used, 10);
    if (used != digits.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> parse_python_float(const std::string& s) {
  const std::string t(strip(s));
  if (t.empty()) return std::nullopt;
  std::size_t used = 0;
  try {
    const double v = std::stod(t, &used);
    if (used != t.size()) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

Value apply_filter(Interpreter& in, const std::string& name, const Value& input,
                   const CallArgs& args) {
  if (name == "default" || name == "d") {
    const Value* fallback = arg(args, 0, "default_value");
    const Value* boolean = arg(args, 1, "boolean");
    const bool use_fallback =
        input.is_undefined() || (boolean != nullptr && truthy(*boolean) && !truthy(input));
    if (!use_fallback) return input;
    return fallback != nullptr ? *fallback : Value::string("");
  }
  if (name == "safe") return input;
  if (name == "trim") {
    const Value* chars = arg(args, 0, "chars");
    const std::string s = to_str(input);
    if (chars == nullptr || chars->is_none()) return Value::string(std::string(strip(s)));
    return Value::string(std::string(strip_chars(s, to_str(*chars), true, true)));
  }
  if (name == "length" || name == "count") return Value::integer(length(input));
  if (name == "tojson") {
    const Value* indent = arg(args, 0, "indent");
    const Value* sort = arg(args, 3, "sort_keys");
    std::optional<int> width;
    if (indent != nullptr && !indent->is_none()) {
      const std::int64_t w = int_of(*indent, "indent");
      width = static_cast<int>(std::clamp<std::int64_t>(w, 0, 64));
    }
    return Value::string(
        to_json(sort != nullptr && truthy(*sort) ? sort_keys(input) : input, width));
  }
  if (name == "upper") return Value::string(ascii_upper(to_str(input)));
  if (name == "lower") return Value::string(ascii_lower(to_str(input)));
  if (name == "capitalize") return Value::string(capitalize(to_str(input)));
  if (name == "title") return Value::string(title(to_str(input)));
  if (name == "string") return Value::string(to_str(input));
  if (name == "e" || name == "escape") return Value::string(html_escape(to_str(input)));
  if (name == "first" || name == "last") {
    const List items = iterate(input);
    if (items.empty()) return Value::undefined("No " + name + " item, sequence was empty.");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "list") return Value::list(iterate(input));
  if (name == "reverse") {
    if (input.is_string()) {
      const auto cps = code_points(input.as_string());
      std::string out;
      for (auto it = cps.rbegin(); it != cps.rend(); ++it)
        out += input.as_string().substr(it->offset, it->size);
      return Value::string(std::move(out));
    }
    List items = iterate(input);
    std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  if (name == "join") {
    const Value* separator = arg(args, 0, "d");
    const Value* attribute = arg(args, 1, "attribute");
    const std::string sep = separator != nullptr ? to_str(*separator) : "";
    std::string out;
    bool first = true;
    for (const auto& item : iterate(input)) {
      if (!first) out += sep;
      first = false;
      out += to_str(attribute != nullptr ? attribute_path(item, to_str(*attribute)) : item);
    }
    return Value::string(std::move(out));
  }
  if (name == "replace") {
    const Value* count = arg(args, 2, "count");
    const Value* old_value = arg(args, 0, "old");
    const Value* new_value = arg(args, 1, "new");
    if (old_value == nullptr || new_value == nullptr) throw EvalError("replace needs old and new");
    return Value::string(
        replace_all(to_str(input), to_str(*old_value), to_str(*new_value),
                    count != nullptr && !count->is_none() ? int_of(*count, "count") : -1));
  }
  if (name == "items") {
    if (input.is_undefined()) return Value::list({});
    if (!input.is_dict()) throw EvalError("Can only get item pairs from a mapping.");
    return dict_method(input.as_dict(), "items", {});
  }
  if (name == "selectattr") return select_filter(in, input, args, true, true);
  if (name == "rejectattr") return select_filter(in, input, args, true, false);
  if (name == "select") return select_filter(in, input, args, false, true);
  if (name == "reject") return select_filter(in, input, args, false, false);
  if (name == "map") {
    List out;
    const Value* attribute = arg(args, 99, "attribute");
    if (attribute != nullptr) {
      const Value* fallback = arg(args, 99, "default");
      for (const auto& item : iterate(input)) {
        Value v = attribute_path(item, to_str(*attribute));
        out.push_back(v.is_undefined() && fallback != nullptr ? *fallback : v);
      }
      return Value::list(std::move(out));
    }
    if (args.positional.empty() || !args.positional[0].is_string()) {
      throw EvalError("map() needs a filter name or attribute=");
    }
    const CallArgs filter_args = tail_args(args, 1);
    for (const auto& item : iterate(input)) {
      out.push_back(apply_filter(in, args.positional[0].as_string(), item, filter_args));
    }
    return Value::list(std::move(out));
  }
  if (name == "int") {
    const Value* fallback = arg(args, 0, "default");
    const Value def = fallback != nullptr ? *fallback : Value::integer(0);
    if (input.is_int()) return input;
    if (input.is_bool()) return Value::integer(input.as_bool() ? 1 : 0);
    if (input.is_float()) {
      const double d = input.as_float();
      if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return def;
      return Value::integer(static_cast<std::int64_t>(d));
    }
    if (input.is_string()) {
      if (auto v = parse_python_int(input.as_string())) return Value::integer(*v);
      if (auto d = parse_python_float(input.as_string());
          d && std::isfinite(*d) && std::fabs(*d) < 9.2e18) {
        return Value::integer(static_cast<std::int64_t>(*d));
      }
    }
    return def;
  }
  if (name == "float") {
    const Value* fallback = arg(args, 0, "default");
    const Value def = fallback != nullptr ? *fallback : Value::number(0.0);
    if (input.is_number() || input.is_bool()) return Value::number(input.as_double());
    if (input.is_string()) {
      if (auto d = parse_python_float(input.as_string())) return Value::number(*d);
    }
    return def;
  }
  if (name == "abs") {
    if (input.is_int()) {
      if (input.as_int() == INT64_MIN) throw EvalError("integer overflow");
      return Value::integer(input.as_int() < 0 ? -input.as_int() : input.as_int());
    }
    if (input.is_float()) return Value::number(std::fabs(input.as_float()));
    throw EvalError("bad operand type for abs(): '" + type_name(input) + "'");
  }
  if (name == "sort") {
    const Value* reverse = arg(args, 0, "reverse");
    const Value* attribute = arg(args, 2, "attribute");
    List items = iterate(input);
    const auto key = [&](const Value& v) {
      Value k = attribute != nullptr ? attribute_path(v, to_str(*attribute)) : v;
      return k.is_string() ? Value::string(ascii_lower(k.as_string())) : k;  // case-insensitive
    };
    std::stable_sort(items.begin(), items.end(),
                     [&](const Value& a, const Value& b) { return less(key(a), key(b)); });
    if (reverse != nullptr && truthy(*reverse)) std::reverse(items.begin(), items.end());
    return Value::list(std::move(items));
  }
  throw EvalError("no filter named '" + name + "'");
}

bool apply_test(Interpreter& in, const std::string& name, const Value& input,
                const CallArgs& args) {
  const auto other = [&]() -> const Value& {
    if (args.positional.empty()) throw EvalError("test '" + name + "' needs an argument");
    return args.positional[0];
  };
  if (name == "defined") return !input.is_undefined();
  if (name == "undefined") return input.is_undefined();
  if (name == "none") return input.is_none();
  if (name == "string") return input.is_string();
  if (name == "mapping") return input.is_dict();
  if (name == "iterable")
    return input.is_list() || input.is_dict() || input.is_string() || input.is_undefined();
  if (name == "sequence") return input.is_list() || input.is_dict() || input.is_string();
  if (name == "number") return input.is_number() || input.is_bool();
  if (name == "integer") return input.is_int();
  if (name == "float") return input.is_float();
  if (name == "boolean") return input.is_bool();
  if (name == "true") return input.is_bool() && input.as_bool();
  if (name == "false") return input.is_bool() && !input.as_bool();
  if (name == "callable") return input.is_callable();
  if (name == "equalto" || name == "eq" || name == "==") return equals(input, other());
  if (name == "ne" || name == "!=") return !equals(input, other());
  if (name == "gt" || name == "greaterthan" || name == ">") return less(other(), input);
  if (name == "lt" || name == "lessthan" || name == "<") return less(input, other());
  if (name == "ge" || name == ">=") return !less(input, other());
  if (name == "le" || name == "<=") return !less(other(), input);
  if (name == "in") return contains(other(), input);
  if (name == "sameas") {
    const Value& o = other();
    if (input.is_none() || o.is_none()) return input.is_none() && o.is_none();
    if (input.is_bool() || o.is_bool())
      return input.is_bool() && o.is_bool() && input.as_bool() == o.as_bool();
    if (input.is_int() && o.is_int()) {
      return input.as_int() == o.as_int() && input.as_int() >= -5 && input.as_int() <= 256;
    }
    if (input.is_list() && o.is_list()) return &input.as_list() == &o.as_list();
    if (input.is_dict() && o.is_dict()) return &input.as_dict() == &o.as_dict();
    return false;
  }
  if (name == "odd" || name == "even") {
    const std::int64_t v = int_of(input, "value");
    return ((v % 2) != 0) == (name == "odd");
  }
  if (name == "divisibleby") {
    const std::int64_t d = int_of(other(), "divisor");
    if (d == 0) throw EvalError("integer division or modulo by zero");
    return int_of(input, "value") % d == 0;
  }
  if (name == "lower" || name == "upper") {
    const std::string s = to_str(input);
    bool cased = false;
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (std::isalpha(u)) {
        cased = true;
        if ((name == "lower") != (std::islower(u) != 0)) return false;
      }
    }
    return cased;
  }
  (void)in;
  throw EvalError("no test named '" + name + "'");
}

Value get_attribute(const Value& obj, const std::string& name) {
  if (obj.is_string() && is_string_method(name)) {
    return Value::callable(std::make_shared<BoundMethod>(obj, name));
  }
  if (obj.is_dict()) {
    if (is_dict_method(name)) return Value::callable(std::make_shared<BoundMethod>(obj, name));
    if (const Value* v = obj.as_dict().find(name)) return *v;
    return Value::undefined("'dict object' has no attribute '" + name + "'");
  }
  if (obj.is_namespace()) {
    if (const Value* v = obj.namespace_attributes().find(name)) return *v;
    return Value::undefined("'Namespace' has no attribute '" + name + "'");
  }
  return Value::undefined("'" + type_name(obj) + " object' has no attribute '" + name + "'");
}

Value get_item(const Value& obj, const Value& key) {
  if (obj.is_dict() || obj.is_namespace()) {
    const Dict& d = obj.is_dict() ? obj.as_dict() : obj.namespace_attributes();
    if (key.is_string()) {
      if (const Value* v = d.find(key.as_string())) return *v;
      return get_attribute(obj, key.as_string());
    }
    return Value::undefined("'dict object' has no attribute " + repr(key));
  }
  if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
    const std::int64_t n = length(obj);
    std::int64_t i = key.is_bool() ? std::int64_t{key.as_bool()} : key.as_int();
    if (i < 0) i += n;
    if (i < 0 || i >= n) return Value::undefined(type_name(obj) + " index out of range");
    if (obj.is_list()) return obj.as_list()[static_cast<std::size_t>(i)];
    const auto cps = code_points(obj.as_string());
    const auto& cp = cps[static_cast<std::size_t>(i)];
    return Value::string(obj.as_string().substr(cp.offset, cp.size));
  }
  if (key.is_string()) return get_attribute(obj, key.as_string());
  return Value::undefined("'" + type_name(obj) + " object' has no attribute " + repr(key));
}

Value slice(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
  if (!obj.is_list() && !obj.is_string()) {
    throw EvalError("'" + type_name(obj) + "' object is not subscriptable");
  }
  const std::int64_t n = length(obj);
  const std::int64_t step = step_v.is_none() ? 1 : int_of(step_v, "slice step");
  if (step == 0) throw EvalError("slice step cannot be zero");
  // Python's slice.indices().
  const auto clamp_index = [&](const Value& v, std::int64_t fallback) {
    if (v.is_none()) return fallback;
    std::int64_t i = int_of(v, "slice index");
    if (i < 0) {
      i += n;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= n) {
      i = step < 0 ? n - 1 : n;
    }
    return i;
  };
  const std::int64_t start = clamp_index(start_v, step < 0 ? n - 1 : 0);
  const std::int64_t stop = clamp_index(stop_v, step < 0 ? -1 : n);
  std::vector<std::int64_t> picks;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) picks.push_back(i);
  if (obj.is_list()) {
    List out;
    for (auto i : picks) out.push_back(obj.as_list()[static_cast<std::size_t>(i)]);
    return obj.is_tuple() ? Value::tuple(std::move(out)) : Value::list(std::move(out));
  }
  const auto cps = code_points(obj.as_string());
  std::string out;
  for (auto i : picks) {
    const auto& cp = cps[static_cast<std::size_t>(i)];
    out += obj.as_string().substr(cp.offset, cp.size);
  }
  return Value::string(std::move(out));
}

bool contains(const Value& container, const Value& item) {
  if (container.is_undefined()) return false;
  if (container.is_string()) {
    if (!item.is_string()) {
      throw EvalError("'in <string>' requires string as left operand, not " + type_name(item));
    }
    return container.as_string().find(item.as_string()) != std::string::npos;
  }
  if (container.is_list()) {
    return std::any_of(container.as_list().begin(), container.as_list().end(),
                       [&](const Value& v) { return equals(v, item); });
  }
  if (container.is_dict()) return item.is_string() && container.as_dict().find(item.as_string());
  throw EvalError("argument of type '" + type_name(container) + "' is not iterable");
}

namespace {

// Python integers do not overflow; ours are 64-bit, so overflow is an error instead.
std::int64_t checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) throw EvalError("integer overflow");
  return r;
}
std::int64_t checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) throw EvalError("integer overflow");
  return r;
}
std::int64_t checked_mul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw EvalError("integer overflow");
  return r;
}

std::int64_t as_integer(const Value& v) {
  return v.is_bool() ? std::int64_t{v.as_bool()} : v.as_int();
}

std::string repeat(const std::string& s, std::int64_t times) {
  if (times <= 0) return "";
  if (static_cast<double>(s.size()) * static_cast<double>(times) > 64.0 * 1024 * 1024) {
    throw EvalError("repeated string would be too large");
  }
  std::string out;
  for (std::int64_t i = 0; i < times; ++i) out += s;
  return out;
}

}  // namespace

Value binary_op(const std::string& op, const Value& a, const Value& b) {
  if (op == "~") return Value::string(to_str(a) + to_str(b));
  if (a.is_undefined())
    throw EvalError(a.undefined_hint().empty() ? "value is undefined" : a.undefined_hint());
  if (b.is_undefined())
    throw EvalError(b.undefined_hint().empty() ? "value is undefined" : b.undefined_hint());
  const bool ints = (a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool());
  const bool numbers = (a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool());
  const auto unsupported = [&]() -> Value {
    throw EvalError("unsupported operand type(s) for " + op + ": '" + type_name(a) + "' and '" +
                    type_name(b) + "'");
  };
  if (op == "+") {
    if (ints) return Value::integer(checked_add(as_integer(a), as_integer(b)));
    if (numbers) return Value::number(a.as_double() + b.as_double());
    if (a.is_string() && b.is_string()) {
      if (a.as_string().size() + b.as_string().size() > (std::size_t{64} << 20)) {
        throw EvalError("string would be too large");
      }
      return Value::string(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list()) {
      List items = a.as_list();
      items.insert(items.end(), b.as_list().begin(), b.as_list().end());
      return Value::list(std::move(items));
    }
    return unsupported();
  }
  if (op == "-") {
    if (ints) return Value::integer(checked_sub(as_integer(a), as_integer(b)));
    if (numbers) return Value::number(a.as_double() - b.as_double());
    return unsupported();
  }
  if (op == "*") {
    if (ints) return Value::integer(checked_mul(as_integer(a), as_integer(b)));
    if (numbers) return Value::number(a.as_double() * b.as_double());
    if (a.is_string() && (b.is_int() || b.is_bool()))
      return Value::string(repeat(a.as_string(), as_integer(b)));
    if (b.is_string() && (a.is_int() || a.is_bool()))
      return Value::string(repeat(b.as_string(), as_integer(a)));
    if (a.is_list() && (b.is_int() || b.is_bool())) {
      const std::int64_t times = as_integer(b);
      if (times > 0 && static_cast<double>(a.as_list().size()) * static_cast<double>(times) > 1e6) {
        throw EvalError("repeated list would be too large");
      }
      List items;
      for (std::int64_t i = 0; i < times; ++i)
        items.insert(items.end(), a.as_list().begin(), a.as_list().end());
      return Value::list(std::move(items));
    }
    return unsupported();
  }
  if (op == "/") {
    if (!numbers) return unsupported();
    if (b.as_double() == 0.0) throw EvalError("division by zero");
    return Value::number(a.as_double() / b.as_double());
  }
  if (op == "//" || op == "%") {
    if (!numbers) {
      if (a.is_string() && op == "%")
        throw EvalError("printf-style string formatting is not supported");
      return unsupported();
    }
    if (b.as_double() == 0.0) throw EvalError("integer division or modulo by zero");
    if (ints) {
      const std::int64_t x = as_integer(a);
      const std::int64_t y = as_integer(b);
      if (x == INT64_MIN && y == -1) throw EvalError("integer overflow");
      std::int64_t q = x / y;
      std::int64_t r = x % y;
      if (r != 0 && ((r < 0) != (y < 0))) {
        --q;
        r += y;
      }
      return Value::integer(op == "//" ? q : r);
    }
    const double x = a.as_double();
    const double y = b.as_double();
    const double r = std::fmod(x, y);
    const double m = (r != 0.0 && ((r < 0) != (y < 0))) ? r + y : r;
    return Value::number(op == "//" ? std::floor((x - m) / y + 0.5) : m);
  }
  if (op == "**") {
    if (ints && as_integer(b) >= 0) {
      std::int64_t base = as_integer(a);
      std::int64_t e = as_integer(b);
      std::int64_t result = 1;
      while (e > 0) {
        if (e & 1) result = checked_mul(result, base);
        e >>= 1;
        if (e > 0) base = checked_mul(base, base);
      }
      return Value::integer(result);
    }
    if (numbers) return Value::number(std::pow(a.as_double(), b.as_double()));
    return unsupported();
  }
  throw EvalError("unknown operator " + op);
}

namespace {

class BuiltinFunction : public Callable {
 public:
  using Fn = Value (*)(Interpreter&, const CallArgs&);
  explicit BuiltinFunction(Fn fn) : fn_(fn) {}
  Value call(Interpreter& in, const CallArgs& args) const override { return fn_(in, args); }

 private:
  Fn fn_;
};

Value raise_exception(Interpreter&, const CallArgs& args) {
  const Value* message = arg(args, 0, "message");
  throw RaisedError(message != nullptr ? to_str(*message) : std::string("(no message)"));
}

Value strftime_now(Interpreter&, const CallArgs& args) {
  const std::string& format = string_arg(args, 0, "format", "strftime_now");
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[512];
  const std::size_t n =
      format.empty() ? 0 : std::strftime(buffer, sizeof buffer, format.c_str(), &local);
  return Value::string(std::string(buffer, n));
}

Value make_namespace(Interpreter&, const CallArgs& args) {
  Dict d;
  for (const auto& v : args.positional) {
    if (!v.is_dict()) throw EvalError("namespace() positional arguments must be dicts");
    for (const auto& [k, item] : v.as_dict().entries()) d.set(k, item);
  }
  for (const auto& [k, v] : args.keyword) d.set(k, v);
  return Value::make_namespace(std::move(d));
}

Value make_dict(Interpreter&, const CallArgs& args) {
  Dict d;
  for (const auto& [k, v] : args.keyword) d.set(k, v);
  return Value::dict(std::move(d));
}

Value range(Interpreter& in, const CallArgs& args) {
  std::int64_t start = 0;
  std::int64_t stop = 0;
  std::int64_t step = 1;
  const auto& p = args.positional;
  if (p.size() == 1) {
    stop = int_of(p[0], "range() argument");
  } else if (p.size() == 2 || p.size() == 3) {
    start = int_of(p[0], "range() argument");
    stop = int_of(p[1], "range() argument");
    if (p.size() == 3) step = int_of(p[2], "range() argument");
  } else {
    throw EvalError("range expected 1 to 3 arguments");
  }
  if (step == 0) throw EvalError("range() arg 3 must not be zero");
  List out;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
    if (out.size() >= in.limits().max_loop_iterations || out.size() >= 1'000'000) {
      throw EvalError("range() is too large");
    }
    out.push_back(Value::integer(i));
  }
  return Value::list(std::move(out));
}

}  // namespace

void add_default_globals(Frame& globals) {
  globals.set("raise_exception",
              Value::callable(std::make_shared<BuiltinFunction>(raise_exception)));
  globals.set("strftime_now", Value::callable(std::make_shared<BuiltinFunction>(strftime_now)));
  globals.set("namespace", Value::callable(std::make_shared<BuiltinFunction>(make_namespace)));
  globals.set("dict", Value::callable(std::make_shared<BuiltinFunction>(make_dict)));
  globals.set("range", Value::callable(std::make_shared<BuiltinFunction>(range)));
}

}  // namespace reasonrec::engine::jinja
