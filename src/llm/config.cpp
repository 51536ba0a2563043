#include "llm/config.hpp"

#include <cmath>
#include <cstdlib>
#include <set>

#include <toml++/toml.h>

#include "util/error.hpp"

namespace reasonrec::llm {

namespace {

class TableReader {
 public:
  TableReader(const toml::table& table, std::string file, std::string prefix)
      : table_(table), file_(std::move(file)), prefix_(std::move(prefix)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw InputError(file_, 0, "key '" + prefix_ + key + "': " + what);
  }

  // Every key must be one of `known`: a misspelt setting must not be silently ignored.
  void only(const std::set<std::string>& known) const {
    for (const auto& [key, value] : table_) {
      if (!known.count(std::string(key.str()))) fail(std::string(key.str()), "unknown setting");
    }
  }

  std::optional<double> number(const std::string& key, double min, double max) const {
    const auto* node = table_.get(key);
    if (!node) return std::nullopt;
    std::optional<double> v;
    if (auto i = node->value_exact<std::int64_t>()) v = static_cast<double>(*i);
    if (auto d = node->value_exact<double>()) v = *d;
    if (!v) fail(key, "expected a number");
    if (!std::isfinite(*v) || *v < min || *v > max) {
      fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return v;
  }
  std::optional<int> integer(const std::string& key, int min, int max) const {
    const auto* node = table_.get(key);
    if (!node) return std::nullopt;
    auto v = node->value_exact<std::int64_t>();
    if (!v) fail(key, "expected an integer");
    if (*v < min || *v > max) {
      fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return static_cast<int>(*v);
  }
  std::optional<std::string> string(const std::string& key) const {
    const auto* node = table_.get(key);
    if (!node) return std::nullopt;
    auto v = node->value_exact<std::string>();
    if (!v) fail(key, "expected a string");
    return *v;
  }
  std::optional<bool> boolean(const std::string& key) const {
    const auto* node = table_.get(key);
    if (!node) return std::nullopt;
    auto v = node->value_exact<bool>();
    if (!v) fail(key, "expected true or false");
    return *v;
  }
  std::optional<std::vector<std::string>> strings(const std::string& key) const {
    const auto* node = table_.get(key);
    if (!node) return std::nullopt;
    const auto* array = node->as_array();
    if (!array) fail(key, "expected an array of strings");
    std::vector<std::string> out;
    for (const auto& item : *array) {
      auto v = item.value_exact<std::string>();
      if (!v) fail(key, "expected an array of strings");
      out.push_back(*v);
    }
    return out;
  }

 private:
  const toml::table& table_;
  std::string file_;
  std::string prefix_;
};

std::chrono::milliseconds millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
}

void read_backend(const TableReader& r, BackendConfig& c) {
  r.only({"base_url", "base_urls", "model", "api", "api_key_env", "timeout_s", "connect_timeout_s",
          "concurrency", "requests_per_minute", "tokens_per_minute", "max_attempts",
          "backoff_initial_s", "backoff_max_s", "max_retry_after_s", "endpoint_failures",
          "endpoint_cooldown_s", "endpoint_cooldown_max_s", "give_up_after_s", "stream"});
  constexpr double kDay = 86400;
  if (auto v = r.string("base_url")) c.client.base_urls = {*v};
  if (auto v = r.strings("base_urls")) {
    if (v->empty()) r.fail("base_urls", "must not be empty");
    c.client.base_urls = *v;
  }
  if (auto v = r.string("model")) c.model = *v;
  if (auto v = r.string("api")) {
    try {
      c.api = parse_api(*v);
    } catch (const UsageError& e) {
      r.fail("api", e.what());
    }
  }
  if (auto v = r.string("api_key_env")) {
    c.api_key_env = *v;
    c.api_key_env_explicit = true;
  }
  auto& o = c.client;
  if (auto v = r.number("timeout_s", 0.001, kDay)) o.timeout = millis(*v);
  if (auto v = r.number("connect_timeout_s", 0.001, kDay)) o.connect_timeout = millis(*v);
  if (auto v = r.integer("concurrency", 1, 100000)) o.concurrency = *v;
  if (auto v = r.number("requests_per_minute", 0, 1e9)) o.requests_per_minute = *v;
  if (auto v = r.number("tokens_per_minute", 0, 1e12)) o.tokens_per_minute = *v;
  if (auto v = r.integer("max_attempts", 1, 1000)) o.max_attempts = *v;
  if (auto v = r.number("backoff_initial_s", 0, kDay)) o.backoff.initial = millis(*v);
  if (auto v = r.number("backoff_max_s", 0, kDay)) o.backoff.max = millis(*v);
  if (auto v = r.number("max_retry_after_s", 0, kDay)) o.max_retry_after = millis(*v);
  if (auto v = r.integer("endpoint_failures", 1, 1000)) o.endpoints.failures_before_dead = *v;
  if (auto v = r.number("endpoint_cooldown_s", 0, kDay)) o.endpoints.cooldown = millis(*v);
  if (auto v = r.number("endpoint_cooldown_max_s", 0, kDay)) o.endpoints.max_cooldown = millis(*v);
  if (auto v = r.number("give_up_after_s", 0, kDay)) o.give_up_after = millis(*v);
  if (auto v = r.boolean("stream")) o.stream = *v;
}

}  // namespace

BackendConfig load_backend_config(const std::filesystem::path& path, BackendConfig defaults) {
  const std::string file = path.string();
  toml::table root;
  try {
    root = toml::parse_file(file);
  } catch (const toml::parse_error& e) {
    const auto line = static_cast<std::size_t>(e.source().begin.line);
    throw InputError(file, line, std::string(e.description()));
  }
  BackendConfig c = std::move(defaults);
  TableReader(root, file, "").only({"backend", "prices"});
  if (const auto* node = root.get("backend")) {
    const auto* table = node->as_table();
    if (!table) throw InputError(file, 0, "'backend' must be a table");
    read_backend(TableReader(*table, file, "backend."), c);
  }
  if (const auto* node = root.get("prices")) {
    const auto* table = node->as_table();
    if (!table) throw InputError(file, 0, "'prices' must be a table of models");
    for (const auto& [model, entry] : *table) {
      const std::string name(model.str());
      const auto* t = entry.as_table();
      if (!t) throw InputError(file, 0, "'prices." + name + "' must be a table");
      TableReader r(*t, file, "prices." + name + ".");
      r.only({"input_per_million", "output_per_million"});
      ModelPrice price;
      if (auto v = r.number("input_per_million", 0, 1e9)) price.input_per_million = *v;
      if (auto v = r.number("output_per_million", 0, 1e9)) price.output_per_million = *v;
      c.prices[name] = price;
    }
  }
  return c;
}

std::string resolve_api_key(const BackendConfig& config) {
  if (config.api_key_env.empty()) return "";
  const char* value = std::getenv(config.api_key_env.c_str());
  if (value && *value) return value;
  if (config.api_key_env_explicit) {
    throw UsageError("the API key variable " + config.api_key_env + " is not set");
  }
  return "";
}

}  // namespace reasonrec::llm
