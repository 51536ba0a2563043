#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "engine/checkpoint/llama2c.hpp"

namespace reasonrec::cli {

namespace {

struct Llama2cArgs {
  std::string checkpoint;
  std::string tokenizer;
  std::string out;
};

}  // namespace

void add_convert_command(CLI::App& app) {
  auto* convert =
      app.add_subcommand("convert", "Convert model checkpoints to the Hugging Face layout");
  convert->require_subcommand(1);
  auto a = std::make_shared<Llama2cArgs>();
  auto* cmd = convert->add_subcommand(
      "llama2c",
      "llama2.c checkpoint (.bin, legacy or version 1/2) + tokenizer -> config.json, "
      "model.safetensors, tokenizer");
  cmd->add_option("--checkpoint", a->checkpoint, "llama2.c model .bin")
      ->required()
      ->check(InputFile());
  cmd->add_option(
         "--tokenizer", a->tokenizer,
         "SentencePiece .model (copied) or llama2.c tokenizer.bin (becomes tokenizer.json)")
      ->required()
      ->check(InputFile());
  cmd->add_option("--out", a->out, "Output model directory")->required();
  cmd->callback([a] {
    engine::convert_llama2c(a->checkpoint, a->tokenizer, a->out);
    std::cerr << "wrote " << a->out << "\n";
  });
}

}  // namespace reasonrec::cli
