#pragma once

// `reasonrec distil`: turns a teacher's sampled reasoning paths over the train split into
// supervised fine-tuning data for a small student (PAPER.md, "Distillation into small
// models"; docs/training.md). Each retained teacher sample becomes one sft.jsonl line: the
// student's input is the prompt `predict` would send for the example, rendered by the same
// code, and its target is the template's answer section holding the teacher's reasoning and
// the TRUE rating, so that the student learns the truth in the format the parser reads.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "llm/predict.hpp"
#include "prompt/builder.hpp"
#include "prompt/template.hpp"
#include "train/distil_filter.hpp"
#include "train/distil_summary.hpp"

namespace reasonrec::train {

enum class DistilTarget {
  Reasoning,   // the teacher's reasoning + the true rating (the paper's reasoning student)
  RatingOnly,  // the true rating alone (the paper's no-reasoning student)
};

// "reasoning", "rating-only"; throws UsageError otherwise.
DistilTarget parse_distil_target(std::string_view name);
std::string_view distil_target_name(DistilTarget target);

struct DistilOptions {
  std::filesystem::path examples;      // E: examples.jsonl
  std::filesystem::path teacher;       // P: the teacher's predictions.jsonl, M samples each
  std::filesystem::path verification;  // V: `recsaver verify` over P; empty: none
  std::filesystem::path out;           // sft.jsonl
  DistilFilter filter = DistilFilter::None;
  DistilTarget target = DistilTarget::Reasoning;
  // The student's prompt, with predict's options. mode empty: cot for a reasoning target,
  // direct for rating-only.
  std::string mode;
  std::string ablation = "none";
  std::optional<std::size_t> shots;
  std::uint64_t shot_seed = 0;
  std::string domain = "beauty";
  std::string template_file;    // empty: the mode's built-in template
  std::size_t budget = 0;       // prompt token budget, estimated as predict does for a server
  std::string split = "train";  // which examples' samples are accepted: train, test or all
  bool skip_missing = false;    // count teacher samples of unknown examples instead of failing
};

struct DistilResult {
  DistilSummary summary;
  std::filesystem::path summary_path;  // <out without .jsonl>.summary.json
};

// The predict options that render the student's prompts (mode resolved, as predict does).
// Throws UsageError for unknown names and for a mode that contradicts the target (a reasoning
// target needs a prompt that asks for reasoning; rating-only, the direct prompt).
llm::PredictOptions distil_prompt_options(const DistilOptions& options, llm::Api api);

// The target text: the template's answer section for `request`'s example with `reasoning`
// (ignored for rating-only) and the example's true rating. Throws Error when the template has
// no answer section.
std::string distil_target_text(const prompt::Template& tmpl, const prompt::PromptRequest& request,
                               DistilTarget target, const std::string& reasoning);

// Reads E, P (and V), filters, writes sft.jsonl and the summary (both atomically). Throws
// UsageError for bad options (verified without V, an unknown split) and InputError naming the
// file and line for a sample of an unknown example (unless skip_missing), of another split,
// with a true rating other than E's, or repeated, and for a V line that contradicts P or E.
DistilResult run_distil(const DistilOptions& options);

}  // namespace reasonrec::train
