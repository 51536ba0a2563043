#include "eval/metric_options.hpp"

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

double parse_double(std::string_view key, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno == ERANGE) {
    throw UsageError("option " + std::string(key) + "=" + text + ": not a number");
  }
  return v;
}

}  // namespace

MetricOptions::MetricOptions(std::map<std::string, std::string, std::less<>> values)
    : values_(std::move(values)) {}

MetricOptions::MetricOptions(
    std::initializer_list<std::pair<const std::string, std::string>> values)
    : values_(values.begin(), values.end()) {}

const std::string* MetricOptions::find(std::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) return nullptr;
  used_.insert(it->first);
  return &it->second;
}

bool MetricOptions::has(std::string_view key) const {
  return find(key) != nullptr;
}

std::string MetricOptions::get_string(std::string_view key, std::string_view fallback) const {
  const std::string* v = find(key);
  return v ? *v : std::string(fallback);
}

bool MetricOptions::get_bool(std::string_view key, bool fallback) const {
  const std::string* v = find(key);
  if (!v) return fallback;
  if (*v == "yes" || *v == "true" || *v == "1" || *v == "on") return true;
  if (*v == "no" || *v == "false" || *v == "0" || *v == "off") return false;
  throw UsageError("option " + std::string(key) + "=" + *v + ": expected yes or no");
}

double MetricOptions::get_double(std::string_view key, double fallback) const {
  const std::string* v = find(key);
  return v ? parse_double(key, *v) : fallback;
}

long MetricOptions::get_int(std::string_view key, long fallback) const {
  const std::string* v = find(key);
  if (!v) return fallback;
  errno = 0;
  char* end = nullptr;
  const long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || end != v->c_str() + v->size() || errno == ERANGE) {
    throw UsageError("option " + std::string(key) + "=" + *v + ": not an integer");
  }
  return n;
}

std::vector<double> MetricOptions::get_doubles(std::string_view key,
                                               std::vector<double> fallback) const {
  const std::string* v = find(key);
  if (!v) return fallback;
  std::vector<double> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = v->find('/', start);
    out.push_back(parse_double(
        key, trim(std::string_view(*v).substr(
                 start, slash == std::string::npos ? std::string::npos : slash - start))));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

void MetricOptions::set(std::string key, std::string value) {
  values_[std::move(key)] = std::move(value);
}

void MetricOptions::require_all_used(std::string_view metric) const {
  std::string unknown;
  for (const auto& [key, value] : values_) {
    if (used_.count(key)) continue;
    if (!unknown.empty()) unknown += ", ";
    unknown += key;
  }
  if (!unknown.empty()) {
    throw UsageError(std::string(metric) + ": unknown option(s): " + unknown);
  }
}

MetricSpec parse_metric_spec(std::string_view text) {
  MetricSpec spec;
  spec.label = trim(text);
  if (spec.label.empty()) throw UsageError("empty metric name in --metrics");
  std::string_view rest = spec.label;
  std::size_t colon = rest.find(':');
  spec.name = trim(rest.substr(0, colon));
  if (spec.name.empty()) throw UsageError("metric '" + spec.label + "': missing name");
  while (colon != std::string_view::npos) {
    rest = rest.substr(colon + 1);
    colon = rest.find(':');
    const std::string item = trim(rest.substr(0, colon));
    const std::size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw UsageError("metric '" + spec.label + "': option '" + item + "' is not KEY=VALUE");
    }
    const std::string key = trim(std::string_view(item).substr(0, eq));
    if (spec.options.values().count(key)) {
      throw UsageError("metric '" + spec.label + "': option '" + key + "' given twice");
    }
    spec.options.set(key, trim(std::string_view(item).substr(eq + 1)));
  }
  return spec;
}

std::vector<MetricSpec> parse_metric_specs(std::string_view text) {
  std::vector<MetricSpec> specs;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    specs.push_back(parse_metric_spec(text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (specs[i].label == specs[j].label) {
        throw UsageError("metric '" + specs[i].label + "' listed twice");
      }
    }
  }
  return specs;
}

}  // namespace reasonrec::eval
