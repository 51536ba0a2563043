#pragma once

#include <functional>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace reasonrec::eval {

// Settings of one text metric as KEY=VALUE strings (from the command line or a config),
// read through typed getters. The getters remember which keys were read, so that the
// factory can reject keys no metric understood (a typo must not silently change nothing).
// Throws UsageError on a value of the wrong type.
class MetricOptions {
 public:
  MetricOptions() = default;
  explicit MetricOptions(std::map<std::string, std::string, std::less<>> values);
  // MetricOptions({{"smooth", "floor"}, {"lowercase", "yes"}})
  MetricOptions(std::initializer_list<std::pair<const std::string, std::string>> values);

  bool has(std::string_view key) const;
  std::string get_string(std::string_view key, std::string_view fallback) const;
  // Accepts yes/no, true/false, 1/0, on/off.
  bool get_bool(std::string_view key, bool fallback) const;
  double get_double(std::string_view key, double fallback) const;
  long get_int(std::string_view key, long fallback) const;
  // A '/'-separated list of numbers, e.g. "0.25/0.25/0.25/0.25".
  std::vector<double> get_doubles(std::string_view key, std::vector<double> fallback) const;

  void set(std::string key, std::string value);
  const std::map<std::string, std::string, std::less<>>& values() const { return values_; }

  // Throws UsageError naming `metric` and every key that no getter has read.
  void require_all_used(std::string_view metric) const;

 private:
  const std::string* find(std::string_view key) const;

  std::map<std::string, std::string, std::less<>> values_;
  mutable std::set<std::string, std::less<>> used_;  // bookkeeping only, not state
};

// One entry of a --metrics list: "NAME" or "NAME:KEY=VALUE[:KEY=VALUE...]", e.g.
// "bleu:tokenize=none:lowercase=yes" or "bleu-nltk:smooth=method1". `label` is the text as
// written, which names the metric's scores in outputs.
struct MetricSpec {
  std::string label;
  std::string name;
  MetricOptions options;
};
MetricSpec parse_metric_spec(std::string_view text);
// A comma-separated list of specs.
std::vector<MetricSpec> parse_metric_specs(std::string_view text);

}  // namespace reasonrec::eval
