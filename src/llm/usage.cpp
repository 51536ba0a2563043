#include "llm/usage.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "util/format.hpp"

namespace reasonrec::llm {

double percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const double rank = q / 100.0 * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(rank));
  const auto hi = std::min(lo + 1, values.size() - 1);
  return values[lo] + (rank - static_cast<double>(lo)) * (values[hi] - values[lo]);
}

void UsageAccumulator::add(const Completion& c) {
  ++totals_.completions;
  if (c.cached) ++totals_.cached;
  if (!c.ok) {
    ++totals_.failed;
    return;
  }
  totals_.prompt_tokens += c.usage.prompt_tokens;
  totals_.completion_tokens += c.usage.completion_tokens;
  if (!c.cached) {
    totals_.sent_prompt_tokens += c.usage.prompt_tokens;
    totals_.sent_completion_tokens += c.usage.completion_tokens;
    latencies_.push_back(c.latency_seconds);
  }
}

UsageSummary UsageAccumulator::summary(const std::string& model, const PriceTable& prices) const {
  UsageSummary s = totals_;
  s.latency_p50 = percentile(latencies_, 50);
  s.latency_p90 = percentile(latencies_, 90);
  s.latency_p99 = percentile(latencies_, 99);
  s.latency_max =
      latencies_.empty() ? 0.0 : *std::max_element(latencies_.begin(), latencies_.end());
  if (auto it = prices.find(model); it != prices.end()) {
    auto cost = [&](std::int64_t in, std::int64_t out) {
      return (static_cast<double>(in) * it->second.input_per_million +
              static_cast<double>(out) * it->second.output_per_million) /
             1e6;
    };
    s.cost = cost(s.prompt_tokens, s.completion_tokens);
    s.sent_cost = cost(s.sent_prompt_tokens, s.sent_completion_tokens);
  }
  return s;
}

std::string format_usage(const UsageSummary& s) {
  auto n = [](std::int64_t v) {
    return with_commas(static_cast<std::uint64_t>(std::max<std::int64_t>(v, 0)));
  };
  std::string line = fmt::format(
      "tokens {} in / {} out (sent this run: {} in / {} out); latency p50 {:.2f}s p90 {:.2f}s "
      "p99 {:.2f}s max {:.2f}s",
      n(s.prompt_tokens), n(s.completion_tokens), n(s.sent_prompt_tokens),
      n(s.sent_completion_tokens), s.latency_p50, s.latency_p90, s.latency_p99, s.latency_max);
  if (s.cost) line += fmt::format("; cost ${:.4f} (this run ${:.4f})", *s.cost, *s.sent_cost);
  return line;
}

}  // namespace reasonrec::llm
