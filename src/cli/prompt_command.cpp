#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "data/example_io.hpp"
#include "prompt/budget.hpp"
#include "prompt/builder.hpp"
#include "prompt/builtin_templates.hpp"
#include "prompt/parse_rating.hpp"
#include "prompt/shots.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct ShowArgs {
  std::string examples;
  std::string example_id;
  std::string mode = "cot";
  std::string domain = "beauty";
  std::string ablation = "none";
  std::string template_file;
  std::string explanation;
  std::size_t shots = 0;
  std::uint64_t seed = 0;
  std::size_t budget = 0;
  bool chat = false;
};

void run_show(const ShowArgs& args) {
  const prompt::Mode mode = prompt::parse_mode(args.mode);
  prompt::PromptRequest request;
  request.domain = prompt::domain_by_name(args.domain);
  request.ablation = prompt::parse_ablation(args.ablation);
  request.explanation = args.explanation;
  if (mode == prompt::Mode::Verify && args.explanation.empty()) {
    throw UsageError("--mode verify needs --explanation TEXT");
  }
  const prompt::Template tmpl = args.template_file.empty()
                                    ? prompt::load_builtin_template(prompt::template_name(mode))
                                    : prompt::load_template_file(args.template_file);

  const auto examples = data::read_examples(args.examples);
  const data::Example* target = nullptr;
  for (const auto& e : examples) {
    if (e.id == args.example_id) target = &e;
  }
  if (target == nullptr) {
    throw InputError(args.examples, 0,
                     "no example with id '" + args.example_id + "' (" +
                         std::to_string(examples.size()) + " examples)");
  }
  request.target.example = *target;
  request.shots = prompt::select_shots(examples, *target, args.shots, args.seed);

  prompt::Prompt rendered;
  if (args.budget > 0) {
    const prompt::EstimateTokenCounter counter;
    prompt::BudgetOptions options;
    options.max_tokens = args.budget;
    auto fitted = prompt::fit_to_budget(tmpl, request, counter, options);
    const auto& r = fitted.report;
    if (!r.fits) {
      throw Error("the prompt needs " + std::to_string(r.tokens_after) + " tokens (" +
                  std::string(counter.name()) + ") even with every text cut to " +
                  std::to_string(options.min_field_tokens) + " tokens and " +
                  std::to_string(r.items_dropped) + " history items dropped; budget " +
                  std::to_string(args.budget));
    }
    std::cerr << "budget " << args.budget << ": " << r.tokens_before << " -> " << r.tokens_after
              << " tokens (" << counter.name() << "), " << r.fields_trimmed << " texts trimmed, "
              << r.items_dropped << " history items dropped\n";
    rendered = std::move(fitted.prompt);
  } else {
    rendered = prompt::build_prompt(tmpl, request);
  }
  if (args.chat) {
    std::cout << prompt::to_chat_json(rendered).dump(2, ' ', false,
                                                     nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << prompt::to_completion(rendered) << "\n";
  }
}

void run_templates(const std::string& dump_dir, bool force) {
  if (dump_dir.empty()) {
    for (const auto& t : prompt::builtin_templates()) std::cout << t.name << "\n";
    return;
  }
  std::filesystem::create_directories(dump_dir);
  for (const auto& t : prompt::builtin_templates()) {
    const auto path = std::filesystem::path(dump_dir) / (std::string(t.name) + ".txt");
    if (std::filesystem::exists(path) && !force) {
      throw Error(path.string() + " exists; pass --force to overwrite it");
    }
    write_file_atomically(path, t.text);
    std::cout << "wrote " << path.string() << "\n";
  }
}

void run_parse() {
  const std::string output{std::istreambuf_iterator<char>(std::cin),
                           std::istreambuf_iterator<char>()};
  const auto parsed = prompt::parse_rating(output);
  nlohmann::ordered_json j;
  j["rating"] = parsed.rating ? nlohmann::ordered_json(*parsed.rating) : nullptr;
  j["source"] = prompt::source_name(parsed.source);
  j["failure"] = prompt::failure_name(parsed.failure);
  j["detail"] = parsed.detail;
  j["value"] = parsed.value ? nlohmann::ordered_json(*parsed.value) : nullptr;
  j["spelled_out"] = parsed.spelled_out;
  j["reasoning"] = parsed.reasoning;
  std::cout << j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

}  // namespace

void add_prompt_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("prompt", "Render prompts, list templates, parse model outputs");
  cmd->require_subcommand(1);

  auto args = std::make_shared<ShowArgs>();
  auto* show = cmd->add_subcommand("show", "Print the prompt for one example");
  show->add_option("--examples", args->examples, "examples.jsonl (from `reasonrec prepare`)")
      ->required()
      ->check(InputFile());
  show->add_option("--example", args->example_id, "Id of the example to render")->required();
  show->add_option("--mode", args->mode, "cot, direct, explain (Rec-SAVER post-hoc) or verify")
      ->capture_default_str();
  show->add_option("--domain", args->domain, "beauty / product (product wording) or movies")
      ->capture_default_str();
  show->add_option("--ablation", args->ablation,
                   "none, no-review, no-review-rating or no-description")
      ->capture_default_str();
  show->add_option("--shots", args->shots,
                   "Worked examples drawn from the file's train split (1 = the paper's one-shot)")
      ->capture_default_str();
  show->add_option("--seed", args->seed, "Seed of the worked-example draw")->capture_default_str();
  show->add_option("--template", args->template_file,
                   "Template file instead of the built-in one (see `prompt templates --dump`)")
      ->check(InputFile());
  show->add_option("--budget", args->budget,
                   "Token budget (estimated): trim the longest texts, then the oldest items");
  show->add_option("--explanation", args->explanation, "verify mode: the explanation to judge");
  show->add_flag("--chat", args->chat, "Print chat messages as JSON instead of completion text");
  show->callback([args] { run_show(*args); });

  auto dump_dir = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* templates = cmd->add_subcommand("templates", "List the built-in templates or copy them");
  templates->add_option("--dump", *dump_dir, "Write every built-in template to DIR/NAME.txt");
  templates->add_flag("--force", *force, "Overwrite existing files when dumping");
  templates->callback([dump_dir, force] { run_templates(*dump_dir, *force); });

  auto* parse = cmd->add_subcommand(
      "parse", "Read one model output on stdin and print the rating found and how (JSON)");
  parse->callback([] { run_parse(); });
}

}  // namespace reasonrec::cli
