#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "engine/tokenizer/regex.hpp"
#include "util/error.hpp"

// Typed access to tokenizer.json fields. Errors name the field; the loader adds the file name.
namespace reasonrec::engine::json_fields {

inline const nlohmann::json& require(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key)) {
    throw Error(std::string("missing field '") + key + "'");
  }
  return object.at(key);
}

inline std::string string_or(const nlohmann::json& object, const char* key, std::string fallback) {
  if (!object.is_object() || !object.contains(key) || object.at(key).is_null()) return fallback;
  if (!object.at(key).is_string()) throw Error(std::string("field '") + key + "' must be a string");
  return object.at(key).get<std::string>();
}

inline std::string string_field(const nlohmann::json& object, const char* key) {
  const auto& value = require(object, key);
  if (!value.is_string()) throw Error(std::string("field '") + key + "' must be a string");
  return value.get<std::string>();
}

inline bool bool_or(const nlohmann::json& object, const char* key, bool fallback) {
  if (!object.is_object() || !object.contains(key) || object.at(key).is_null()) return fallback;
  if (!object.at(key).is_boolean()) throw Error(std::string("field '") + key + "' must be a bool");
  return object.at(key).get<bool>();
}

inline long long int_or(const nlohmann::json& object, const char* key, long long fallback) {
  if (!object.is_object() || !object.contains(key) || object.at(key).is_null()) return fallback;
  if (!object.at(key).is_number_integer()) {
    throw Error(std::string("field '") + key + "' must be an integer");
  }
  return object.at(key).get<long long>();
}

inline std::string type_of(const nlohmann::json& object) {
  return string_field(object, "type");
}

// {"String": "x"} matches x literally; {"Regex": "..."} is an Oniguruma-style regex.
inline Regex pattern(const nlohmann::json& object) {
  const auto& value = require(object, "pattern");
  if (value.is_object() && value.contains("String") && value.at("String").is_string()) {
    return Regex::literal(value.at("String").get<std::string>());
  }
  if (value.is_object() && value.contains("Regex") && value.at("Regex").is_string()) {
    return Regex(value.at("Regex").get<std::string>());
  }
  throw Error("field 'pattern' must be {\"String\": ...} or {\"Regex\": ...}");
}

}  // namespace reasonrec::engine::json_fields
