#include "report/report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "eval/align.hpp"
#include "eval/rating_eval.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace reasonrec::report {

namespace fs = std::filesystem;
using nlohmann::json;

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

const char* const kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1"};

std::string fmt_num(double v, int digits = 3) {
  return std::isfinite(v) ? fmt::format("{:.{}f}", v, digits) : std::string("-");
}

struct Series {
  std::string name;
  std::vector<double> values;
};

// Grouped bar chart.
std::string svg_bars(const std::string& title, const std::vector<std::string>& categories,
                     const std::vector<Series>& series, const std::string& ylabel) {
  const double w = 460, h = 270, left = 50, right = 10, top = 40, bottom = 40;
  double ymax = 0.0;
  for (const auto& s : series) {
    for (double v : s.values) ymax = std::max(ymax, std::isfinite(v) ? v : 0.0);
  }
  if (ymax <= 0.0) ymax = 1.0;
  std::string out = fmt::format(
      "<svg class=\"plot bars\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "role=\"img\"><title>{}</title><text x=\"{}\" y=\"16\" class=\"t\">{}</text>",
      w, h, html_escape(title), left, html_escape(title));
  const double plot_w = w - left - right;
  const double plot_h = h - top - bottom;
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"axis\"/>", left,
                     top + plot_h, w - right, top + plot_h);
  out += fmt::format("<text x=\"4\" y=\"{}\" class=\"l\">{}</text>", top - 8, html_escape(ylabel));
  out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"l\">{}</text>", left - 40, top + plot_h, "0");
  out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"l\">{}</text>", left - 40, top + 10,
                     fmt_num(ymax, 2));
  const double group_w = plot_w / static_cast<double>(std::max<std::size_t>(categories.size(), 1));
  const double bar_w = group_w * 0.8 / static_cast<double>(std::max<std::size_t>(series.size(), 1));
  for (std::size_t c = 0; c < categories.size(); ++c) {
    const double gx = left + group_w * static_cast<double>(c);
    for (std::size_t s = 0; s < series.size(); ++s) {
      const double v = c < series[s].values.size() && std::isfinite(series[s].values[c])
                           ? series[s].values[c]
                           : 0.0;
      const double bh = plot_h * v / ymax;
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "fill=\"{}\"><title>{} "
          "{}: {}</title></rect>",
          gx + group_w * 0.1 + bar_w * static_cast<double>(s), top + plot_h - bh, bar_w, bh,
          kPalette[s % 6], html_escape(series[s].name), html_escape(categories[c]), fmt_num(v));
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{}\" class=\"l\" text-anchor=\"middle\">{}</text>",
                       gx + group_w / 2, top + plot_h + 14, html_escape(categories[c]));
  }
  for (std::size_t s = 0; s < series.size(); ++s) {
    const double lx = left + 120.0 * static_cast<double>(s);
    out += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" "
        "class=\"l\">{}</text>",
        lx, h - 14, kPalette[s % 6], lx + 14, h - 5, html_escape(series[s].name));
  }
  return out + "</svg>";
}

std::string svg_heatmap(const std::string& title, const eval::ConfusionMatrix& m) {
  const double cell = 40, left = 60, top = 40;
  std::uint64_t max = 1;
  for (int t = 1; t <= 5; ++t) {
    for (int p = 1; p <= 5; ++p) max = std::max(max, m.at(t, p));
  }
  std::string out = fmt::format(
      "<svg class=\"plot confusion\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
      "height=\"{}\" role=\"img\"><title>{}</title><text x=\"4\" y=\"16\" class=\"t\">{}</text>"
      "<text x=\"{}\" y=\"32\" class=\"l\">predicted</text>",
      left + 5 * cell + 10, top + 5 * cell + 30, html_escape(title), html_escape(title), left);
  for (int t = 1; t <= 5; ++t) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"l\">true {}</text>", 4,
                       top + cell * (t - 1) + 24, t);
    for (int p = 1; p <= 5; ++p) {
      const std::uint64_t v = m.at(t, p);
      const double shade = static_cast<double>(v) / static_cast<double>(max);
      out += fmt::format(
          "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
          "fill=\"rgba(78,121,167,{:.3f})\" stroke=\"#ccc\"><title>true {} predicted {}: "
          "{}</title></rect><text x=\"{}\" y=\"{}\" class=\"l\" text-anchor=\"middle\">{}</text>",
          left + cell * (p - 1), top + cell * (t - 1), cell, cell, 0.08 + 0.92 * shade, t, p, v,
          left + cell * (p - 1) + cell / 2, top + cell * (t - 1) + 24, v);
    }
  }
  for (int p = 1; p <= 5; ++p) {
    out += fmt::format("<text x=\"{}\" y=\"{}\" class=\"l\" text-anchor=\"middle\">{}</text>",
                       left + cell * (p - 1) + cell / 2, top + 5 * cell + 14, p);
  }
  return out + "</svg>";
}

// Scatter of (x, y) in [x0, x1] x [y0, y1]; `diagonal` draws y = x (calibration).
std::string svg_scatter(const std::string& title, const std::vector<std::pair<double, double>>& pts,
                        const std::string& xlabel, const std::string& ylabel, bool diagonal,
                        bool connect) {
  const double w = 360, h = 300, left = 50, top = 30, pw = 290, ph = 220;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (!diagonal && !pts.empty()) {
    x0 = x1 = pts[0].first;
    y0 = y1 = pts[0].second;
    for (const auto& [x, y] : pts) {
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
    if (x1 == x0) x1 = x0 + 1;
    if (y1 == y0) y1 = y0 + 1;
  }
  auto sx = [&](double x) { return left + pw * (x - x0) / (x1 - x0); };
  auto sy = [&](double y) { return top + ph - ph * (y - y0) / (y1 - y0); };
  std::string out = fmt::format(
      "<svg class=\"plot scatter\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" "
      "height=\"{}\" role=\"img\"><title>{}</title><text x=\"4\" y=\"16\" class=\"t\">{}</text>"
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" class=\"frame\"/>",
      w, h, html_escape(title), html_escape(title), left, top, pw, ph);
  out += fmt::format(
      "<text x=\"{}\" y=\"{}\" class=\"l\">{} ({} to {})</text><text x=\"4\" y=\"{}\" "
      "class=\"l\">{}</text><text x=\"4\" y=\"{}\" class=\"l\">{}</text><text x=\"4\" y=\"{}\" "
      "class=\"l\">{}</text>",
      left, h - 24, html_escape(xlabel), fmt_num(x0, 2), fmt_num(x1, 2), top - 2,
      html_escape(ylabel), top + 10, fmt_num(y1, 2), top + ph, fmt_num(y0, 2));
  if (diagonal) {
    out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" class=\"diag\"/>", sx(0),
                       sy(0), sx(1), sy(1));
  }
  if (connect && pts.size() > 1) {
    std::string path;
    for (const auto& [x, y] : pts) path += fmt::format("{:.1f},{:.1f} ", sx(x), sy(y));
    out += "<polyline fill=\"none\" stroke=\"#4e79a7\" points=\"" + path + "\"/>";
  }
  for (const auto& [x, y] : pts) {
    out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" class=\"pt\"/>", sx(x), sy(y));
  }
  return out + "</svg>";
}

std::string first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) return line;
  }
  return {};
}

json parse_or_null(const std::string& text) {
  try {
    return json::parse(text);
  } catch (const json::exception&) {
    return nullptr;
  }
}

struct RunFiles {
  std::vector<fs::path> predictions;
  std::vector<fs::path> recsaver_scores;     // per-prediction
  std::vector<fs::path> recsaver_summaries;  // score summaries
  std::vector<fs::path> reference_summaries;
  std::vector<fs::path> align;
  std::vector<fs::path> distillation;
};

RunFiles scan(const fs::path& run) {
  RunFiles files;
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(run)) {
    if (entry.is_regular_file()) paths.push_back(entry.path());
  }
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    const std::string ext = p.extension().string();
    if (ext == ".jsonl") {
      const json j = parse_or_null(first_line(p));
      if (!j.is_object()) continue;
      if (j.contains("scores") && j.contains("correct")) {
        files.recsaver_scores.push_back(p);
      } else if (j.contains("true_rating") && j.contains("rating") && j.contains("mode") &&
                 j.contains("model")) {
        files.predictions.push_back(p);
      }
    } else if (ext == ".json") {
      std::ifstream in(p);
      std::stringstream ss;
      ss << in.rdbuf();
      const json j = parse_or_null(ss.str());
      if (!j.is_object()) continue;
      if (j.contains("agreement") && j.contains("correlation")) {
        files.align.push_back(p);
      } else if (j.contains("coverage") && j.contains("metrics")) {
        files.recsaver_summaries.push_back(p);
      } else if (j.contains("pass_rate") && j.contains("kept")) {
        files.reference_summaries.push_back(p);
      } else if (j.contains("distillation")) {
        files.distillation.push_back(p);
      }
    }
  }
  return files;
}

// A markdown table cell: untrusted text must neither end the cell nor become HTML.
std::string md_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|':
        out += "\\|";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '\n':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

struct Doc {
  std::string html;
  std::string md;
  ReportResult result;

  void section(const std::string& title) {
    html += "<h2>" + html_escape(title) + "</h2>\n";
    md += "\n## " + title + "\n\n";
    result.sections.push_back(title);
  }
  void missing(const std::string& what, const std::string& stage) {
    const std::string line = what + ": not in this run; produced by " + stage;
    html += "<p class=\"missing\">" + html_escape(line) + "</p>\n";
    md += "_" + line + "_\n";
    result.missing.push_back(line);
  }
  void table(const std::vector<std::string>& head,
             const std::vector<std::vector<std::string>>& rows) {
    html += "<table><thead><tr>";
    md += "|";
    for (const auto& h : head) {
      html += "<th>" + html_escape(h) + "</th>";
      md += " " + h + " |";
    }
    html += "</tr></thead><tbody>\n";
    md += "\n|";
    for (std::size_t i = 0; i < head.size(); ++i) md += "---|";
    md += "\n";
    for (const auto& row : rows) {
      html += "<tr>";
      md += "|";
      for (const auto& cell : row) {
        html += "<td>" + html_escape(cell) + "</td>";
        md += " " + md_escape(cell) + " |";
      }
      html += "</tr>\n";
      md += "\n";
    }
    html += "</tbody></table>\n";
    md += "\n";
  }
  void figure(const std::string& svg) { html += "<figure>" + svg + "</figure>\n"; }
};

std::string with_interval(double v, const std::map<std::string, eval::Interval>& intervals,
                          const std::string& name) {
  std::string out = fmt_num(v);
  const auto it = intervals.find(name);
  if (it != intervals.end())
    out += fmt::format(" [{}, {}]", fmt_num(it->second.low), fmt_num(it->second.high));
  return out;
}

void rating_section(Doc& doc, const RunFiles& files, const ReportJob& job) {
  doc.section("Rating prediction (Table 3)");
  if (files.predictions.empty()) {
    doc.missing("rating predictions", "`reasonrec predict` or `reasonrec baseline`");
    return;
  }
  eval::EvalRequest request;
  for (const auto& p : files.predictions) request.inputs.push_back({p.string(), ""});
  request.bootstrap_resamples = job.bootstrap;
  request.permutations = 0;
  request.seed = job.seed;
  const eval::EvalReport report = eval::evaluate_prediction_files(request);
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : report.methods) {
    rows.push_back({m.label, std::to_string(m.metrics.count),
                    with_interval(m.metrics.binary_accuracy, m.intervals, "binary_accuracy"),
                    with_interval(m.metrics.binary_f1, m.intervals, "binary_f1"),
                    with_interval(m.metrics.accuracy, m.intervals, "accuracy"),
                    with_interval(m.metrics.mae, m.intervals, "mae"),
                    with_interval(m.metrics.rmse, m.intervals, "rmse"),
                    std::to_string(m.unparsed)});
  }
  doc.table({"Method", "n", "Bin Acc", "Bin F1", "Multi Acc", "MAE", "RMSE", "unparsed"}, rows);
  if (job.bootstrap > 0) {
    doc.html += fmt::format(
        "<p>95% percentile bootstrap intervals over examples, {} resamples.</p>\n", job.bootstrap);
    doc.md += fmt::format("95% percentile bootstrap intervals over examples, {} resamples.\n",
                          job.bootstrap);
  }
  doc.html += "<h3>Confusion matrices</h3>\n";
  for (const auto& m : report.methods) doc.figure(svg_heatmap(m.label, m.metrics.confusion));

  // Predicted vs true distributions and calibration, read from the files themselves.
  doc.html += "<h3>Predicted and true ratings</h3>\n";
  for (const auto& p : files.predictions) {
    std::vector<double> predicted(5, 0.0), truth(5, 0.0);
    std::vector<double> bin_p(10, 0.0), bin_hit(10, 0.0), bin_n(10, 0.0);
    bool probabilities = false;
    for_each_jsonl(p.string(), [&](const json& j, std::size_t) {
      if (j.value("split", std::string("test")) != "test" || j.value("sample", 0) != 0) return;
      const auto t = j.find("true_rating");
      if (t == j.end() || !t->is_number_integer()) return;
      const int tr = t->get<int>();
      if (tr < 1 || tr > 5) return;
      truth[static_cast<std::size_t>(tr - 1)] += 1;
      const auto r = j.find("rating");
      if (r != j.end() && r->is_number_integer() && r->get<int>() >= 1 && r->get<int>() <= 5) {
        predicted[static_cast<std::size_t>(r->get<int>() - 1)] += 1;
      }
      const auto pr = j.find("probabilities");
      if (pr != j.end() && pr->is_array() && pr->size() == 5) {
        probabilities = true;
        for (int k = 0; k < 5; ++k) {
          const double q = (*pr)[static_cast<std::size_t>(k)].get<double>();
          const auto b = static_cast<std::size_t>(std::clamp(q * 10.0, 0.0, 9.0));
          bin_p[b] += q;
          bin_hit[b] += (k + 1 == tr) ? 1.0 : 0.0;
          bin_n[b] += 1.0;
        }
      }
    });
    doc.figure(svg_bars(p.filename().string(), {"1", "2", "3", "4", "5"},
                        {{"predicted", predicted}, {"true", truth}}, "examples"));
    if (probabilities) {
      std::vector<std::pair<double, double>> pts;
      for (std::size_t b = 0; b < 10; ++b) {
        if (bin_n[b] > 0) pts.emplace_back(bin_p[b] / bin_n[b], bin_hit[b] / bin_n[b]);
      }
      doc.figure(svg_scatter("Calibration: " + p.filename().string(), pts, "mean P(rating = k)",
                             "observed frequency", true, true));
    }
  }
}

void distillation_section(Doc& doc, const RunFiles& files) {
  doc.section("Distillation (Tables 4-5)");
  if (files.distillation.empty()) {
    doc.missing("distillation results", "`reasonrec train` (not built yet)");
  }
}

void recsaver_section(Doc& doc, const RunFiles& files) {
  doc.section("Rec-SAVER");
  if (files.reference_summaries.empty()) {
    doc.missing("reference pass rates", "`reasonrec recsaver references`");
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& p : files.reference_summaries) {
      std::ifstream in(p);
      const json j = json::parse(in, nullptr, false);
      auto num = [&](const char* k) {
        return j.contains(k) && j[k].is_number() ? fmt::format("{}", j[k].dump())
                                                 : std::string("-");
      };
      rows.push_back({p.filename().string(), num("examples"), num("explanations"), num("verified"),
                      num("kept"),
                      j.contains("pass_rate") && j["pass_rate"].is_number()
                          ? fmt_num(j["pass_rate"].get<double>())
                          : std::string("-")});
    }
    doc.table({"references", "examples", "explanations", "verified", "kept", "pass rate"}, rows);
  }
  if (files.recsaver_summaries.empty() && files.recsaver_scores.empty()) {
    doc.missing("reasoning scores", "`reasonrec recsaver score`");
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : files.recsaver_summaries) {
    std::ifstream in(p);
    const json j = json::parse(in, nullptr, false);
    if (!j.is_object() || !j["metrics"].is_object()) continue;
    for (const auto& [label, m] : j["metrics"].items()) {
      auto mean_of = [&](const char* part) {
        const json& x = m.contains(part) ? m[part] : json();
        if (x.is_object() && x.contains("mean") && x["mean"].is_number())
          return fmt_num(x["mean"].get<double>());
        if (x.is_number()) return fmt_num(x.get<double>());
        return std::string("-");
      };
      rows.push_back({p.filename().string(), label,
                      m.contains("corpus") && m["corpus"].is_number()
                          ? fmt_num(m["corpus"].get<double>())
                          : std::string("-"),
                      mean_of("mean"), mean_of("correct"), mean_of("incorrect")});
    }
  }
  if (!rows.empty()) {
    doc.table({"scores", "metric", "corpus", "mean", "correct", "incorrect"}, rows);
  }
  // Distributions of per-prediction scores, correct vs incorrect rating predictions.
  for (const auto& p : files.recsaver_scores) {
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_label;
    for_each_jsonl(p.string(), [&](const json& j, std::size_t) {
      const auto s = j.find("scores");
      const auto c = j.find("correct");
      if (s == j.end() || !s->is_object() || c == j.end() || !c->is_boolean()) return;
      for (const auto& [label, v] : s->items()) {
        if (!v.is_number()) continue;
        auto& groups = by_label[label];
        (c->get<bool>() ? groups.first : groups.second).push_back(v.get<double>());
      }
    });
    for (const auto& [label, groups] : by_label) {
      double lo = 1e300, hi = -1e300;
      for (const auto* g : {&groups.first, &groups.second}) {
        for (double v : *g) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      }
      if (hi <= lo) hi = lo + 1;
      const std::size_t bins = 10;
      std::vector<std::string> cats;
      for (std::size_t b = 0; b < bins; ++b)
        cats.push_back(fmt_num(lo + (hi - lo) * static_cast<double>(b) / bins, 2));
      auto hist = [&](const std::vector<double>& values) {
        std::vector<double> h(bins, 0.0);
        for (double v : values) {
          const auto b = std::min<std::size_t>(
              bins - 1, static_cast<std::size_t>((v - lo) / (hi - lo) * bins));
          h[b] += values.empty() ? 0.0 : 1.0 / static_cast<double>(values.size());
        }
        return h;
      };
      doc.figure(svg_bars(p.filename().string() + ": " + label, cats,
                          {{"correct", hist(groups.first)}, {"incorrect", hist(groups.second)}},
                          "share"));
    }
  }
}

// The markdown of format_align as HTML: "## " headings, tables, other lines as paragraphs.
std::string markdown_tables_to_html(const std::string& md) {
  std::string out;
  std::istringstream in(md);
  std::string line;
  bool in_table = false;
  auto cells = [](const std::string& row) {
    std::vector<std::string> parts;
    std::string cell;
    for (std::size_t i = 1; i < row.size(); ++i) {
      if (row[i] == '|') {
        const auto b = cell.find_first_not_of(' ');
        const auto e = cell.find_last_not_of(' ');
        parts.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
        cell.clear();
      } else {
        cell += row[i];
      }
    }
    return parts;
  };
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '|') {
      if (line.rfind("|---", 0) == 0) continue;
      if (!in_table) {
        out += "<table><thead><tr>";
        for (const auto& c : cells(line)) out += "<th>" + html_escape(c) + "</th>";
        out += "</tr></thead><tbody>\n";
        in_table = true;
        continue;
      }
      out += "<tr>";
      for (const auto& c : cells(line)) out += "<td>" + html_escape(c) + "</td>";
      out += "</tr>\n";
      continue;
    }
    if (in_table) {
      out += "</tbody></table>\n";
      in_table = false;
    }
    if (line.rfind("## ", 0) == 0) {
      out += "<h3>" + html_escape(line.substr(3)) + "</h3>\n";
    } else if (!line.empty()) {
      out += "<p>" + html_escape(line) + "</p>\n";
    }
  }
  if (in_table) out += "</tbody></table>\n";
  return out;
}

void align_section(Doc& doc, const RunFiles& files) {
  doc.section("Alignment with human raters (Tables 6-9, 13)");
  if (files.align.empty()) {
    doc.missing("agreement and metric-human correlations",
                "`reasonrec annotate` (the study) then `reasonrec align --out align.json`");
    return;
  }
  for (const auto& p : files.align) {
    std::ifstream in(p);
    const nlohmann::ordered_json j = nlohmann::ordered_json::parse(in);
    const std::string md = eval::format_align(j);
    doc.md += md;
    doc.html += markdown_tables_to_html(md);
    // Metric vs human scatter, per score set, metric and criterion.
    for (const auto& [set, s] : j["correlation"].items()) {
      if (!s.contains("items")) continue;
      for (const auto& [label, per_criterion] : s["metrics"].items()) {
        for (const auto& [criterion, c] : per_criterion.items()) {
          std::vector<std::pair<double, double>> pts;
          for (const auto& item : s["items"]) {
            const auto& h = item["human"][criterion];
            if (!h.is_number() || !item["scores"].contains(label)) continue;
            pts.emplace_back(item["scores"][label].get<double>(), h.get<double>());
          }
          const std::string r =
              c["pearson"]["r"].is_number() ? fmt_num(c["pearson"]["r"].get<double>()) : "-";
          doc.figure(svg_scatter(fmt::format("{} ({}) vs {} (r = {})", label, set, criterion, r),
                                 pts, label, "mean " + criterion, false, false));
        }
      }
    }
  }
}

constexpr const char* kStyle = R"CSS(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.8em 0}th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}thead{background:#f3f3f3}
figure{display:inline-block;margin:.5em}.missing{color:#8a6d3b;background:#fcf8e3;padding:.4em .8em}
svg .t{font-weight:600;font-size:13px}svg .l{font-size:11px;fill:#333}svg .axis{stroke:#333}
svg .frame{fill:none;stroke:#999}svg .diag{stroke:#aaa;stroke-dasharray:4 3}svg .pt{fill:#4e79a7;fill-opacity:.6}
)CSS";

}  // namespace

ReportResult build_report(const ReportJob& job) {
  std::error_code ec;
  if (!fs::is_directory(job.run, ec)) throw InputError(job.run.string(), 0, "no such directory");
  const RunFiles files = scan(job.run);
  Doc doc;
  const std::string title = "reasonrec report: " + job.run.filename().string();
  doc.md = "# " + title + "\n";
  rating_section(doc, files, job);
  distillation_section(doc, files);
  recsaver_section(doc, files);
  align_section(doc, files);
  const std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width\"><title>" +
      html_escape(title) + "</title><style>" + kStyle + "</style></head><body>\n<h1>" +
      html_escape(title) + "</h1>\n" + doc.html + "</body></html>\n";
  write_file_atomically(job.out_html, html);
  doc.result.md_path = job.out_md.empty() ? job.out_html.parent_path() / "report.md" : job.out_md;
  write_file_atomically(doc.result.md_path, doc.md);
  return doc.result;
}

}  // namespace reasonrec::report
