#include <chrono>
#include <iostream>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "engine/chat/chat_template.hpp"
#include "engine/generation/decode_step.hpp"
#include "engine/local_model.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct GenerateArgs {
  std::string model;
  std::string adapter;
  std::string prompt;
  bool chat = false;
  int max_tokens = 128;
  double temperature = 0.0;
  double top_p = 1.0;
  int top_k = 0;
  std::uint64_t seed = 0;
  int n = 1;
  std::vector<std::string> stop;
  std::string constraint;
};

void run_generate(const GenerateArgs& a) {
  if (a.max_tokens < 1) throw UsageError("--max-tokens must be at least 1");
  if (a.n < 1) throw UsageError("--n must be at least 1");
  if (a.top_p <= 0.0 || a.top_p > 1.0) throw UsageError("--top-p must be in (0, 1]");
  if (a.top_k < 0) throw UsageError("--top-k must not be negative");
  engine::LocalModelOptions options;
  options.adapter = a.adapter;
  const engine::LocalModel model = engine::LocalModel::load(a.model, options);
  engine::GenerationSpec spec;
  if (a.chat) {
    const auto chat = engine::model_chat_template(model);
    const std::vector<engine::ChatMessage> messages = {{"user", a.prompt}};
    spec.prompt = model.tokenizer().encode(chat.render(messages, true), false);
  } else {
    spec.prompt = model.tokenizer().encode(a.prompt, true);
  }
  spec.max_new_tokens = a.max_tokens;
  spec.sampling = {a.temperature, a.top_p, a.top_k};
  spec.seed = a.seed;
  spec.n = a.n;
  spec.stop = a.stop;
  if (!a.constraint.empty()) spec.constraint = engine::make_constraint(model, a.constraint);
  const auto started = std::chrono::steady_clock::now();
  const auto results = model.generate(std::span(&spec, 1));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::size_t tokens = 0;
  for (std::size_t i = 0; i < results[0].size(); ++i) {
    const engine::Generation& g = results[0][i];
    if (a.n > 1) std::cout << "--- sample " << i << " (seed " << a.seed + i << ")\n";
    // A decoder continues the prompt; T5's output is an answer of its own.
    const bool continues_prompt = !a.chat && !model.encoder_decoder();
    engine::Generation shown = g;
    // After an empty prompt (nothing but special tokens) the output starts the text: written as
    // the tokenizer decodes it, without the leading space of a SentencePiece "▁" (as llama2.c
    // prints it). Under a constraint the text stays exactly as the constraint matched it.
    if (continues_prompt && !spec.constraint &&
        model.tokenizer().decode(spec.prompt, true).empty()) {
      engine::drop_start_space(model.tokenizer(), shown);
    }
    std::cout << (continues_prompt ? a.prompt : "") << shown.text << "\n";
    tokens += g.tokens.size();
  }
  std::cerr << fmt::format("{} prompt tokens, {} generated ({}) in {:.2f}s, {:.1f} tokens/s\n",
                           spec.prompt.size(), tokens, results[0].back().finish_reason, seconds,
                           seconds > 0 ? static_cast<double>(tokens) / seconds : 0.0);
}

}  // namespace

void add_generate_command(CLI::App& app) {
  auto a = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand(
      "generate", "Generate text with a local model directory (Hugging Face layout) in-process");
  cmd->add_option("--model", a->model,
                  "Model directory (config.json, model.safetensors, tokenizer)")
      ->required()
      ->check(InputDirectory());
  cmd->add_option("--adapter", a->adapter,
                  "PEFT LoRA adapter directory merged into the model (reasonrec train --lora)")
      ->check(InputDirectory());
  cmd->add_option("--prompt", a->prompt, "Prompt text")->required();
  cmd->add_flag("--chat", a->chat, "Wrap the prompt as a user turn in the model's chat template");
  cmd->add_option("--max-tokens", a->max_tokens, "Tokens to generate at most")
      ->capture_default_str();
  cmd->add_option("--temperature", a->temperature, "0 = greedy")->capture_default_str();
  cmd->add_option("--top-p", a->top_p, "Nucleus mass")->capture_default_str();
  cmd->add_option("--top-k", a->top_k, "Most likely tokens kept (0 = all)")->capture_default_str();
  cmd->add_option("--seed", a->seed, "Seed; sample i uses seed + i")->capture_default_str();
  cmd->add_option("--n", a->n, "Samples")->capture_default_str();
  cmd->add_option("--stop", a->stop, "Stop string (repeatable)");
  cmd->add_option("--constraint", a->constraint,
                  "Output constraint: reason-rating, rating, json-rating or a regex "
                  "(docs/constraints.md)");
  cmd->callback([a] { run_generate(*a); });
}

}  // namespace reasonrec::cli
