#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "util/error.hpp"

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int run(int argc, char** argv) {
  CLI::App app{
      "reasonrec: LLM reasoning for personalised rating prediction: prepare review data, "
      "prompt LLMs (served or in-process) to reason and predict ratings, run baselines, and "
      "score ratings and reasoning text."};
  app.set_version_flag("--version", std::string("reasonrec ") + REASONREC_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  reasonrec::cli::add_data_commands(app);
  reasonrec::cli::add_prepare_command(app);
  reasonrec::cli::add_eval_command(app);
  reasonrec::cli::add_baseline_command(app);
  reasonrec::cli::add_prompt_command(app);
  reasonrec::cli::add_score_command(app);
  reasonrec::cli::add_predict_command(app);
  reasonrec::cli::add_recsaver_command(app);
  reasonrec::cli::add_convert_command(app);
  reasonrec::cli::add_align_command(app);
  reasonrec::cli::add_report_command(app);
  reasonrec::cli::add_annotate_command(app);
  reasonrec::cli::add_distil_command(app);
#ifdef REASONREC_HAVE_TORCH
  reasonrec::cli::add_generate_command(app);
  reasonrec::cli::add_serve_command(app);
  reasonrec::cli::add_train_command(app);
  reasonrec::cli::add_merge_command(app);
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  } catch (const reasonrec::UsageError& e) {
    std::cerr << "reasonrec: usage error: " << e.what() << "\n";
    return kExitUsage;
  } catch (const reasonrec::Error& e) {
    std::cerr << "reasonrec: error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "reasonrec: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
}
