#pragma once

// Typed reads of config.json fields for the model configs (Llama family, BERT, T5), each
// failure an InputError naming the file and the field.

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace reasonrec::engine {

class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& json, const std::string& source)
      : json_(json), source_(source) {
    if (!json_.is_object()) throw InputError(source_, 0, "config is not a JSON object");
  }

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw InputError(source_, 0, "field \"" + field + "\" " + why);
  }

  bool has(const std::string& field) const {
    auto it = json_.find(field);
    return it != json_.end() && !it->is_null();
  }

  std::int64_t integer(const std::string& field, std::optional<std::int64_t> fallback = {}) const {
    auto it = json_.find(field);
    if (it == json_.end() || it->is_null()) {
      if (fallback) return *fallback;
      fail(field, "is missing");
    }
    if (!it->is_number_integer()) fail(field, "must be an integer, got " + it->dump());
    const auto value = it->get<std::int64_t>();
    if (value < 0) fail(field, "must not be negative, got " + it->dump());
    return value;
  }

  std::int64_t positive(const std::string& field, std::optional<std::int64_t> fallback = {}) const {
    const std::int64_t value = integer(field, fallback);
    if (value == 0) fail(field, "must be positive");
    return value;
  }

  double number(const std::string& field, double fallback) const {
    auto it = json_.find(field);
    if (it == json_.end() || it->is_null()) return fallback;
    if (!it->is_number()) fail(field, "must be a number, got " + it->dump());
    return it->get<double>();
  }

  bool boolean(const std::string& field, bool fallback) const {
    auto it = json_.find(field);
    if (it == json_.end() || it->is_null()) return fallback;
    if (!it->is_boolean()) fail(field, "must be true or false, got " + it->dump());
    return it->get<bool>();
  }

  std::string string(const std::string& field, const std::string& fallback) const {
    auto it = json_.find(field);
    if (it == json_.end() || it->is_null()) return fallback;
    if (!it->is_string()) fail(field, "must be a string, got " + it->dump());
    return it->get<std::string>();
  }

  // The field's value for checks of its own, or nullptr when it is missing or null.
  const nlohmann::json* find(const std::string& field) const {
    auto it = json_.find(field);
    return it == json_.end() || it->is_null() ? nullptr : &*it;
  }

 private:
  const nlohmann::json& json_;
  const std::string& source_;
};

}  // namespace reasonrec::engine
