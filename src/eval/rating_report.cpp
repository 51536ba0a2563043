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

// One row per method: its difference from the reference on the examples both scored, with the
// paired bootstrap interval of the difference and the permutation p-value.
std::string render_comparisons(const EvalReport& report, int digits) {
  const auto& first = report.comparisons.front();
  const auto& reference = report.methods[first.reference].label;
  std::string out =
      fmt::format("\nPaired against {} (difference = method − {}", reference, reference);
  if (first.bootstrap_resamples > 0) {
    out += fmt::format("; [interval]: paired bootstrap over shared examples, {} resamples",
                       first.bootstrap_resamples);
  }
  if (first.permutations > 0) {
    out +=
        fmt::format("; p: two-sided paired permutation test, {} permutations", first.permutations);
  }
  out += ")\n\n| Method | Pairs |";
  std::string rule = "|---|---|";
  for (const auto& column : table_columns()) {
    out += fmt::format(" Δ {} |", column.header);
    rule += "---|";
  }
  out += " Only here / only in reference / dropped unparsed |\n" + rule + "---|\n";
  for (const auto& c : report.comparisons) {
    out += fmt::format("| {} | {} |", report.methods[c.method].label, c.paired.pairs);
    for (const auto& column : table_columns()) {
      std::string text = "–";
      for (const auto& m : c.paired.metrics) {
        if (m.name != column.metric) continue;
        text = number(m.delta, digits);
        if (m.delta_interval) {
          text += fmt::format(" [{:.{}f}, {:.{}f}]", m.delta_interval->low, digits,
                              m.delta_interval->high, digits);
        }
        if (m.p_value) text += fmt::format(" (p={:.4f})", *m.p_value);
      }
      out += fmt::format(" {} |", text);
    }
    out += fmt::format(" {} / {} / {} |\n", c.only_in_a, c.only_in_b, c.excluded_unparsed);
  }
  return out;
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
  out += report.split == "all" ? "Split: every split, mixed on purpose (--split all).\n"
                               : fmt::format("Split: {} examples only.\n", report.split);
  for (const auto& method : report.methods) {
    out += fmt::format("{}: {} lines; scored {}", method.label, method.lines, method.selection);
    if (method.other_splits > 0) {
      out += fmt::format("; {} predictions of other splits left out", method.other_splits);
    }
    out += ".\n";
  }
  if (report.bootstrap_resamples > 0) {
    out += fmt::format(
        "Intervals: {:.0f}% percentile bootstrap over examples, {} resamples, seed {}.\n",
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
  if (!report.comparisons.empty()) out += render_comparisons(report, digits);
  return out;
}

ordered_json report_to_json(const EvalReport& report) {
  ordered_json j;
  j["domain"] = report.domain;
  j["unparsed_policy"] = {{"name", report.policy.name()},
                          {"description", report.policy.describe()}};
  j["point"] = point_source_name(report.point);
  j["split"] = report.split;
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
    m["lines"] = method.lines;
    m["other_splits"] = method.other_splits;
    m["selection"] = method.selection;
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
  ordered_json comparisons = ordered_json::array();
  for (const auto& c : report.comparisons) {
    ordered_json cj;
    cj["method"] = report.methods[c.method].label;
    cj["reference"] = report.methods[c.reference].label;
    cj["pairs"] = c.paired.pairs;
    cj["only_in_method"] = c.only_in_a;
    cj["only_in_reference"] = c.only_in_b;
    cj["excluded_unparsed"] = c.excluded_unparsed;
    cj["bootstrap_resamples"] = c.bootstrap_resamples;
    cj["permutations"] = c.permutations;
    ordered_json metrics;
    for (const auto& m : c.paired.metrics) {
      ordered_json mj;
      mj["method"] = optional_json(m.a);
      mj["reference"] = optional_json(m.b);
      mj["delta"] = optional_json(m.delta);
      mj["delta_interval"] = m.delta_interval ? interval_json(*m.delta_interval) : nullptr;
      mj["p_value"] = optional_json(m.p_value);
      mj["permutations_defined"] = m.permutations_defined;
      metrics[m.name] = std::move(mj);
    }
    cj["metrics"] = std::move(metrics);
    comparisons.push_back(std::move(cj));
  }
  j["comparisons"] = std::move(comparisons);
  return j;
}

}  // namespace reasonrec::eval
