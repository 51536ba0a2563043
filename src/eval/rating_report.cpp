#include "eval/rating_report.hpp"

#include <fmt/format.h>

namespace reasonrec::eval {

using nlohmann::ordered_json;

namespace {

struct Column {
  const char* metric;  // name in metric_names()
  const char* header;
};

// The paper's Table 3 columns first, then the metrics it does not print.
const std::vector<Column>& table_columns() {
  static const std::vector<Column> columns{{"binary_accuracy", "Bin Acc"},
                                           {"binary_f1", "Bin F1"},
                                           {"accuracy", "Multi Acc"},
                                           {"mae", "MAE"},
                                           {"rmse", "RMSE"},
                                           {"macro_f1", "Macro-F1"},
                                           {"binary_auc", "AUC"},
                                           {"ovr_auc", "AUC (OvR)"}};
  return columns;
}

std::optional<double> value_of(const RatingMetrics& metrics, const std::string& name) {
  for (const auto& [key, value] : named_values(metrics)) {
    if (key == name) return value;
  }
  return std::nullopt;
}

std::string number(const std::optional<double>& x, int digits) {
  return x ? fmt::format("{:.{}f}", *x, digits) : std::string("–");
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "0%";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string cell(const MethodResult& method, const std::string& metric, int digits) {
  std::string text = number(value_of(method.metrics, metric), digits);
  const auto it = method.intervals.find(metric);
  if (it != method.intervals.end()) {
    text += fmt::format(" [{:.{}f}, {:.{}f}]", it->second.low, digits, it->second.high, digits);
  }
  return text;
}

ordered_json optional_json(const std::optional<double>& x) {
  return x ? ordered_json(*x) : ordered_json(nullptr);
}

ordered_json interval_json(const Interval& interval) {
  ordered_json j;
  j["low"] = interval.low;
  j["high"] = interval.high;
  j["resamples"] = interval.resamples;
  return j;
}

}  // namespace

std::string render_markdown(const EvalReport& report, int digits) {
  std::string out = "| Domain | Method |";
  std::string rule = "|---|---|";
  for (const auto& column : table_columns()) {
    out += fmt::format(" {} |", column.header);
    rule += "---|";
  }
  out += " Unparsed | N |\n" + rule + "---|---|\n";
  const std::string domain = report.domain.empty() ? "–" : report.domain;
  for (const auto& method : report.methods) {
    out += fmt::format("| {} | {} |", domain, method.label);
    for (const auto& column : table_columns()) {
      out += fmt::format(" {} |", cell(method, column.metric, digits));
    }
    out += fmt::format(" {} ({}) | {} |\n", method.unparsed, percent(method.unparsed, method.total),
                       method.metrics.count);
  }

  out +=
      fmt::format("\nUnparsed policy: {} ({}).\n", report.policy.name(), report.policy.describe());
  out += report.point == PointSource::Rating
             ? "MAE and RMSE measure the predicted rating class.\n"
             : "MAE and RMSE measure the continuous expected_rating.\n";
  out +=
      "Binary metrics: positive = rating > 3. AUC: P(4)+P(5) against the binary truth; "
      "AUC (OvR): macro one-vs-rest over the five class probabilities (– when unavailable).\n";
  if (report.bootstrap_resamples > 0) {
    out += fmt::format("Intervals: {:.0f}% percentile bootstrap, {} resamples, seed {}.\n",
                       100.0 * report.confidence, report.bootstrap_resamples, report.seed);
  }
  for (const auto& method : report.methods) {
    out += fmt::format("\nConfusion matrix, {} (rows: true rating, columns: predicted)\n\n",
                       method.label);
    out += "| true \\ predicted | 1 | 2 | 3 | 4 | 5 |\n|---|---|---|---|---|---|\n";
    for (int t = 1; t <= 5; ++t) {
      out += fmt::format("| {} |", t);
      for (int p = 1; p <= 5; ++p) out += fmt::format(" {} |", method.metrics.confusion.at(t, p));
      out += "\n";
    }
  }
  if (report.comparison && report.methods.size() >= 2) {
    const auto& c = *report.comparison;
    const auto& a = report.methods[0].label;
    const auto& b = report.methods[1].label;
    out += fmt::format(
        "\nPaired comparison: {} (A) vs {} (B) on {} shared examples (only in A: {}, only in B: "
        "{}, pairs dropped as unparsed: {}).\n",
        a, b, c.paired.pairs, c.only_in_a, c.only_in_b, c.excluded_unparsed);
    if (c.bootstrap_resamples > 0) {
      out +=
          fmt::format("Interval of A − B: paired bootstrap, {} resamples. ", c.bootstrap_resamples);
    }
    if (c.permutations > 0) {
      out += fmt::format("p: two-sided paired permutation test, {} permutations.", c.permutations);
    }
    out += "\n\n| Metric | A | B | A − B | CI of A − B | p |\n|---|---|---|---|---|---|\n";
    for (const auto& column : table_columns()) {
      for (const auto& m : c.paired.metrics) {
        if (m.name != column.metric) continue;
        const std::string interval = m.delta_interval
                                         ? fmt::format("[{:.{}f}, {:.{}f}]", m.delta_interval->low,
                                                       digits, m.delta_interval->high, digits)
                                         : std::string("–");
        const std::string p = m.p_value ? fmt::format("{:.4f}", *m.p_value) : std::string("–");
        out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", column.header, number(m.a, digits),
                           number(m.b, digits), number(m.delta, digits), interval, p);
      }
    }
  }
  return out;
}

ordered_json report_to_json(const EvalReport& report) {
  ordered_json j;
  j["domain"] = report.domain;
  j["unparsed_policy"] = {{"name", report.policy.name()},
                          {"description", report.policy.describe()}};
  j["point"] = point_source_name(report.point);
  if (report.bootstrap_resamples > 0) {
    j["bootstrap"] = {{"resamples", report.bootstrap_resamples},
                      {"seed", report.seed},
                      {"confidence", report.confidence}};
  } else {
    j["bootstrap"] = nullptr;
  }
  ordered_json methods = ordered_json::array();
  for (const auto& method : report.methods) {
    ordered_json m;
    m["label"] = method.label;
    m["source"] = method.source;
    m["total"] = method.total;
    m["unparsed"] = method.unparsed;
    m["unparsed_rate"] = method.total == 0 ? 0.0
                                           : static_cast<double>(method.unparsed) /
                                                 static_cast<double>(method.total);
    m["scored"] = method.metrics.count;
    ordered_json metrics;
    for (const auto& [name, value] : named_values(method.metrics)) {
      metrics[name] = optional_json(value);
    }
    m["metrics"] = std::move(metrics);
    ordered_json intervals = ordered_json::object();
    for (const auto& [name, interval] : method.intervals) intervals[name] = interval_json(interval);
    m["intervals"] = std::move(intervals);
    ordered_json confusion = ordered_json::array();
    for (int t = 1; t <= 5; ++t) {
      ordered_json row = ordered_json::array();
      for (int p = 1; p <= 5; ++p) row.push_back(method.metrics.confusion.at(t, p));
      confusion.push_back(std::move(row));
    }
    m["confusion_matrix"] = std::move(confusion);
    methods.push_back(std::move(m));
  }
  j["methods"] = std::move(methods);
  if (report.comparison) {
    const auto& c = *report.comparison;
    ordered_json cj;
    cj["pairs"] = c.paired.pairs;
    cj["only_in_a"] = c.only_in_a;
    cj["only_in_b"] = c.only_in_b;
    cj["excluded_unparsed"] = c.excluded_unparsed;
    cj["bootstrap_resamples"] = c.bootstrap_resamples;
    cj["permutations"] = c.permutations;
    ordered_json metrics;
    for (const auto& m : c.paired.metrics) {
      ordered_json mj;
      mj["a"] = optional_json(m.a);
      mj["b"] = optional_json(m.b);
      mj["delta"] = optional_json(m.delta);
      mj["delta_interval"] = m.delta_interval ? interval_json(*m.delta_interval) : nullptr;
      mj["p_value"] = optional_json(m.p_value);
      mj["permutations_defined"] = m.permutations_defined;
      metrics[m.name] = std::move(mj);
    }
    cj["metrics"] = std::move(metrics);
    j["comparison"] = std::move(cj);
  } else {
    j["comparison"] = nullptr;
  }
  return j;
}

}  // namespace reasonrec::eval
