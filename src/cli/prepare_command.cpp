#include "cli/commands.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

void add_prepare_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("prepare", "Build examples.jsonl from Amazon review files");
  cmd->callback([] { throw Error("prepare: not built yet"); });
}

}  // namespace reasonrec::cli
