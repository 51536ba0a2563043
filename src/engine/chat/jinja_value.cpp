#include "engine/chat/jinja_value.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "engine/chat/python_str.hpp"
#include "util/json_string.hpp"

namespace reasonrec::engine::jinja {

const Value* Dict::find(std::string_view key) const {
  for (const auto& [k, v] : entries_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::size_t Dict::size() const {
  return entries_.size();
}

void Dict::set(std::string key, Value value) {
  for (auto& [k, v] : entries_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

double Value::as_double() const {
  if (is_bool()) return as_bool() ? 1.0 : 0.0;
  if (is_int()) return static_cast<double>(as_int());
  return as_float();
}

bool truthy(const Value& v) {
  if (v.is_undefined() || v.is_none()) return false;
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int() != 0;
  if (v.is_float()) return v.as_float() != 0.0;
  if (v.is_string()) return !v.as_string().empty();
  if (v.is_list()) return !v.as_list().empty();
  if (v.is_dict()) return v.as_dict().size() != 0;
  return true;
}

std::string python_float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, d, std::chars_format::scientific);
  std::string s(buffer, result.ptr);
  std::string sign;
  if (s[0] == '-') {
    sign = "-";
    s.erase(0, 1);
  }
  const auto e = s.find('e');
  std::string digits;
  for (char c : s.substr(0, e)) {
    if (c != '.') digits += c;
  }
  const int exponent = std::stoi(s.substr(e + 1));
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = sign;
  if (exponent >= -4 && exponent < 16) {
    if (exponent >= 0) {
      const auto int_len = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out += digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out += digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    } else {
      out += "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    }
    return out;
  }
  out += digits.substr(0, 1);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char exp_buffer[16];
  std::snprintf(exp_buffer, sizeof exp_buffer, "e%c%02d", exponent < 0 ? '-' : '+',
                std::abs(exponent));
  return out + exp_buffer;
}

namespace {

std::string repr_string(const std::string& s) {
  const bool has_single = s.find('\'') != std::string::npos;
  const bool has_double = s.find('"') != std::string::npos;
  const char quote = (has_single && !has_double) ? '"' : '\'';
  std::string out(1, quote);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

void json_dump(std::string& out, const Value& v, std::optional<int> indent, int level) {
  const auto newline = [&](int lvl) {
    out += '\n';
    out.append(static_cast<std::size_t>(*indent) * static_cast<std::size_t>(lvl), ' ');
  };
  if (v.is_none()) {
    out += "null";
  } else if (v.is_bool()) {
    out += v.as_bool() ? "true" : "false";
  } else if (v.is_int()) {
    out += std::to_string(v.as_int());
  } else if (v.is_float()) {
    const double d = v.as_float();
    out += std::isnan(d)   ? "NaN"
           : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity")
                           : python_float_repr(d);
  } else if (v.is_string()) {
    append_json_string(out, v.as_string(), InvalidUtf8::kKeep);
  } else if (v.is_list()) {
    const auto& items = v.as_list();
    if (items.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += indent ? "," : ", ";
      if (indent) newline(level + 1);
      json_dump(out, items[i], indent, level + 1);
    }
    if (indent) newline(level);
    out += ']';
  } else if (v.is_dict() || v.is_namespace()) {
    const Dict& d = v.is_dict() ? v.as_dict() : v.namespace_attributes();
    if (v.is_namespace()) throw EvalError("Object of type Namespace is not JSON serializable");
    if (d.size() == 0) {
      out += "{}";
      return;
    }
    out += '{';
    bool first = true;
    for (const auto& [key, item] : d.entries()) {
      if (!first) out += indent ? "," : ", ";
      first = false;
      if (indent) newline(level + 1);
      append_json_string(out, key, InvalidUtf8::kKeep);
      out += ": ";
      json_dump(out, item, indent, level + 1);
    }
    if (indent) newline(level);
    out += '}';
  } else {
    throw EvalError("Object of type " + type_name(v) + " is not JSON serializable");
  }
}

}  // namespace

std::string to_str(const Value& v) {
  if (v.is_undefined()) return "";
  if (v.is_string()) return v.as_string();
  return repr(v);
}

std::string repr(const Value& v) {
  if (v.is_undefined()) return "";
  if (v.is_none()) return "None";
  if (v.is_bool()) return v.as_bool() ? "True" : "False";
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_float()) return python_float_repr(v.as_float());
  if (v.is_string()) return repr_string(v.as_string());
  if (v.is_list()) {
    std::string out = v.is_tuple() ? "(" : "[";
    bool first = true;
    for (const auto& item : v.as_list()) {
      if (!first) out += ", ";
      first = false;
      out += repr(item);
    }
    if (v.is_tuple()) return out + (v.as_list().size() == 1 ? ",)" : ")");
    return out + "]";
  }
  if (v.is_dict()) {
    std::string out = "{";
    bool first = true;
    for (const auto& [key, item] : v.as_dict().entries()) {
      if (!first) out += ", ";
      first = false;
      out += repr_string(key) + ": " + repr(item);
    }
    return out + "}";
  }
  if (v.is_namespace()) return "<Namespace>";
  return "<function>";
}

std::string to_json(const Value& v, std::optional<int> indent) {
  std::string out;
  json_dump(out, v, indent, 0);
  return out;
}

bool equals(const Value& a, const Value& b) {
  const bool a_num = a.is_number() || a.is_bool();
  const bool b_num = b.is_number() || b.is_bool();
  if (a_num && b_num) {
    if ((a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool())) {
      const auto ai = a.is_bool() ? std::int64_t{a.as_bool()} : a.as_int();
      const auto bi = b.is_bool() ? std::int64_t{b.as_bool()} : b.as_int();
      return ai == bi;
    }
    return a.as_double() == b.as_double();
  }
  if (a.is_undefined() || b.is_undefined()) return a.is_undefined() && b.is_undefined();
  if (a.is_none() || b.is_none()) return a.is_none() && b.is_none();
  if (a.is_string() && b.is_string()) return a.as_string() == b.as_string();
  if (a.is_list() && b.is_list()) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    if (x.size() != y.size() || a.is_tuple() != b.is_tuple()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!equals(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_dict() && b.is_dict()) {
    const auto& x = a.as_dict();
    const auto& y = b.as_dict();
    if (x.size() != y.size()) return false;
    for (const auto& [key, item] : x.entries()) {
      const Value* other = y.find(key);
      if (other == nullptr || !equals(item, *other)) return false;
    }
    return true;
  }
  if (a.is_namespace() && b.is_namespace()) {
    return &a.namespace_attributes() == &b.namespace_attributes();
  }
  if (a.is_callable() && b.is_callable()) return &a.as_callable() == &b.as_callable();
  return false;
}

bool less(const Value& a, const Value& b) {
  const bool a_num = a.is_number() || a.is_bool();
  const bool b_num = b.is_number() || b.is_bool();
  if (a_num && b_num) {
    if ((a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool())) {
      const auto ai = a.is_bool() ? std::int64_t{a.as_bool()} : a.as_int();
      const auto bi = b.is_bool() ? std::int64_t{b.as_bool()} : b.as_int();
      return ai < bi;
    }
    return a.as_double() < b.as_double();
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list()) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (!equals(x[i], y[i])) return less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  throw EvalError("'<' not supported between instances of '" + type_name(a) + "' and '" +
                  type_name(b) + "'");
}

std::string type_name(const Value& v) {
  if (v.is_undefined()) return "Undefined";
  if (v.is_none()) return "NoneType";
  if (v.is_bool()) return "bool";
  if (v.is_int()) return "int";
  if (v.is_float()) return "float";
  if (v.is_string()) return "str";
  if (v.is_list()) return v.is_tuple() ? "tuple" : "list";
  if (v.is_dict()) return "dict";
  if (v.is_namespace()) return "Namespace";
  return "function";
}

std::int64_t length(const Value& v) {
  if (v.is_undefined()) return 0;
  if (v.is_string()) return static_cast<std::int64_t>(count_code_points(v.as_string()));
  if (v.is_list()) return static_cast<std::int64_t>(v.as_list().size());
  if (v.is_dict()) return static_cast<std::int64_t>(v.as_dict().size());
  throw EvalError("object of type '" + type_name(v) + "' has no len()");
}

List iterate(const Value& v) {
  if (v.is_undefined()) return {};
  if (v.is_list()) return v.as_list();
  if (v.is_dict()) {
    List keys;
    for (const auto& entry : v.as_dict().entries()) keys.push_back(Value::string(entry.first));
    return keys;
  }
  if (v.is_string()) {
    List chars;
    const std::string& s = v.as_string();
    for (const auto& cp : code_points(s))
      chars.push_back(Value::string(s.substr(cp.offset, cp.size)));
    return chars;
  }
  throw EvalError("'" + type_name(v) + "' object is not iterable");
}

Value from_json(const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::ordered_json::value_t::null:
      return Value::none();
    case nlohmann::ordered_json::value_t::boolean:
      return Value::boolean(j.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value::integer(j.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value::number(static_cast<double>(u));
      return Value::integer(static_cast<std::int64_t>(u));
    }
    case nlohmann::ordered_json::value_t::number_float:
      return Value::number(j.get<double>());
    case nlohmann::ordered_json::value_t::string:
      return Value::string(j.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      List items;
      for (const auto& item : j) items.push_back(from_json(item));
      return Value::list(std::move(items));
    }
    case nlohmann::ordered_json::value_t::object: {
      Dict d;
      for (const auto& [key, item] : j.items()) d.set(key, from_json(item));
      return Value::dict(std::move(d));
    }
    default:
      return Value::none();
  }
}

}  // namespace reasonrec::engine::jinja
