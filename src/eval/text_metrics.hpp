#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eval/metric_options.hpp"
#include "eval/text_metric.hpp"

namespace reasonrec::eval {

// One metric the factory can build: its name on the command line, a one-line description,
// and the function that builds it from its options.
struct TextMetricEntry {
  std::string_view name;
  std::string_view description;
  std::unique_ptr<TextMetric> (*make)(const MetricOptions& options);
};

// Every text metric, in the order `reasonrec score text --help` lists them.
const std::vector<TextMetricEntry>& text_metric_registry();

// Builds the metric called `name` with its options. Throws UsageError for an unknown name
// or an option the metric does not understand.
std::unique_ptr<TextMetric> make_text_metric(std::string_view name,
                                             const MetricOptions& options = {});

}  // namespace reasonrec::eval
