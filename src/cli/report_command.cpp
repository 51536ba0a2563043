#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "report/report.hpp"

namespace reasonrec::cli {

void add_report_command(CLI::App& app) {
  auto job = std::make_shared<report::ReportJob>();
  auto run = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto md = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "report",
      "One self-contained HTML report (inline CSS and SVG, no scripts) and report.md from "
      "whatever a run directory holds: rating metrics (Table 3) with confusion matrices, "
      "rating distributions and calibration; Rec-SAVER pass rates and reasoning scores; "
      "alignment with human raters. Missing parts name the stage that produces them "
      "(docs/report.md)");
  cmd->add_option("--run", *run, "The run directory")->required();
  cmd->add_option("--out", *out, "report.html (default: RUN/report.html)");
  cmd->add_option("--md", *md, "report.md (default: beside --out)");
  cmd->add_option("--bootstrap", job->bootstrap,
                  "Bootstrap resamples for the rating-metric intervals (0: none)")
      ->capture_default_str();
  cmd->add_option("--seed", job->seed, "Seed of the bootstrap")->capture_default_str();
  cmd->callback([job, run, out, md] {
    require_input_directory(*run, "--run");
    job->run = *run;
    job->out_html =
        out->empty() ? std::filesystem::path(*run) / "report.html" : std::filesystem::path(*out);
    job->out_md = *md;
    const auto result = report::build_report(*job);
    std::cout << "wrote " << job->out_html.string() << " and " << result.md_path.string() << "\n";
    for (const auto& line : result.missing) std::cout << "missing: " << line << "\n";
  });
}

}  // namespace reasonrec::cli
