#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "engine/merge_adapter.hpp"

namespace reasonrec::cli {

void add_merge_command(CLI::App& app) {
  struct Args {
    std::string model, adapter, out;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand(
      "merge",
      "Fold a PEFT LoRA adapter (reasonrec train --lora) into its base model and write a plain "
      "Hugging Face directory (docs/training.md)");
  cmd->add_option("--model", a->model, "Base model directory")->required()->check(InputDirectory());
  cmd->add_option("--adapter", a->adapter,
                  "Adapter directory (adapter_config.json, "
                  "adapter_model.safetensors)")
      ->required()
      ->check(InputDirectory());
  cmd->add_option("--out", a->out, "Directory to write the merged model to")->required();
  cmd->callback([a] {
    const engine::MergeResult r = engine::merge_adapter(a->model, a->adapter, a->out);
    std::cout << "merged " << r.adapted_weights << " adapted projections into " << a->out << "\n";
  });
}

}  // namespace reasonrec::cli
