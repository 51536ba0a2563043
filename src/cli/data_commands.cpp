#include "cli/commands.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

void add_data_commands(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Inspect and fetch review data sets");
  data->require_subcommand(1);
  auto* stats = data->add_subcommand("stats", "Print statistics of review/metadata files");
  stats->callback([] { throw Error("data stats: not built yet"); });
}

}  // namespace reasonrec::cli
