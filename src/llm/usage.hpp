#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "llm/types.hpp"

namespace reasonrec::llm {

// Dollars per million tokens, from the config's [prices."MODEL"] tables.
struct ModelPrice {
  double input_per_million = 0.0;
  double output_per_million = 0.0;
};
using PriceTable = std::map<std::string, ModelPrice>;

// Linear-interpolated percentile (numpy's default), q in [0, 100]; 0 for no values.
double percentile(std::vector<double> values, double q);

struct UsageSummary {
  std::size_t completions = 0;  // samples reported
  std::size_t cached = 0;       // of which answered from the cache
  std::size_t failed = 0;
  std::int64_t prompt_tokens = 0;  // over every successful sample, cached or not
  std::int64_t completion_tokens = 0;
  std::int64_t sent_prompt_tokens = 0;  // over the samples generated in this run
  std::int64_t sent_completion_tokens = 0;
  double latency_p50 = 0, latency_p90 = 0, latency_p99 = 0, latency_max = 0;  // this run, s
  std::optional<double> cost;       // every successful sample, when the model has a price
  std::optional<double> sent_cost;  // this run's share
};

// Adds up completions as they arrive.
class UsageAccumulator {
 public:
  void add(const Completion& completion);
  UsageSummary summary(const std::string& model, const PriceTable& prices) const;

 private:
  UsageSummary totals_;
  std::vector<double> latencies_;
};

// "tokens 1,234 in / 567 out (this run: ...), latency p50 0.41s p90 ... , cost $0.0123"
std::string format_usage(const UsageSummary& summary);

}  // namespace reasonrec::llm
