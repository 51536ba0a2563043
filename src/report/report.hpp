#pragma once

// `reasonrec report` (docs/report.md): one self-contained HTML file (inline CSS and SVG, no
// script) and a markdown twin, built from whatever a run directory holds.

#include <filesystem>
#include <string>
#include <vector>

namespace reasonrec::report {

struct ReportJob {
  std::filesystem::path run;       // the run directory
  std::filesystem::path out_html;  // report.html
  std::filesystem::path out_md;    // empty: report.md beside out_html
  std::size_t bootstrap = 1000;    // resamples for the rating-metric intervals
  std::uint64_t seed = 0;
};

struct ReportResult {
  std::vector<std::string> sections;  // present, in order
  std::vector<std::string> missing;   // "what: which stage produces it"
  std::filesystem::path md_path;
};

ReportResult build_report(const ReportJob& job);

// Text made safe inside HTML (& < > " ').
std::string html_escape(const std::string& text);

}  // namespace reasonrec::report
