#pragma once

// Repeated measurements and how they are reported: every bench runs each side of a ratio the
// same number of times and shows the spread (min / median / max) of both, in BENCHMARKS.md and
// in its JSON record (bench/results/NAME.json).

#include <cstddef>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::bench {

// The runs of one measurement (seconds, or a rate) and their min / median / max.
struct Spread {
  std::vector<double> runs;  // in the order they were taken
  double min = 0.0;
  double median = 0.0;
  double max = 0.0;
};

Spread spread_of(std::vector<double> runs);

// Each run's value turned into another unit (seconds into a rate: `scale` / seconds).
Spread rates_of(const Spread& seconds, double scale);

// A ratio of two spreads: medians over medians, and the range the runs allow (the smallest
// numerator over the largest denominator, and the other way round).
struct Ratio {
  double median = 0.0;
  double low = 0.0;
  double high = 0.0;
};

Ratio ratio_of(const Spread& numerator, const Spread& denominator);

// "12.3 (11.9–13.0)": the median and, in brackets, the min–max; `decimals` after the point.
std::string show(const Spread& s, int decimals);
// "**59x** (55–61)": the median ratio in bold and its range.
std::string show(const Ratio& r, int decimals);

nlohmann::json to_json(const Spread& s);
nlohmann::json to_json(const Ratio& r);

// Writes `record` (pretty-printed) to bench/results/NAME.json under the source tree, or to
// `path` if not empty; returns the path written.
std::string write_results(const std::string& name, const nlohmann::json& record,
                          const std::string& path = "");

}  // namespace reasonrec::bench
