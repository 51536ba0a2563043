#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "eval/text_metrics.hpp"
#include "eval/text_score_job.hpp"
#include "util/error.hpp"

#ifdef REASONREC_HAVE_TORCH
#include "engine/bertscore_columns.hpp"
#endif

namespace reasonrec::cli {

namespace {

struct ScoreTextArgs {
  eval::TextScoreJob job;
  bool json = false;
  int digits = 4;
};

std::string metrics_help() {
  std::string help =
      "Comma-separated metrics, each NAME or NAME:KEY=VALUE[:KEY=VALUE...], e.g. "
      "bleu:tokenize=none,bleu-nltk:smooth=method1. Known metrics:";
  for (const auto& entry : eval::text_metric_registry()) {
    help += "\n  " + std::string(entry.name) + ": " + std::string(entry.description);
  }
  help +=
      "\n  bertscore: BERTScore F1 by bert_score 0.3.13's rules (needs --encoder; options layer=N, "
      "idf=yes, baseline=FILE)";
  return help;
}

void run_score_text(const ScoreTextArgs& args) {
  require_input_file(args.job.source.candidates, "--candidates");
  for (const auto& file : args.job.source.references) require_input_file(file, "--references");
  std::unique_ptr<eval::BertScoreColumns> bertscore;
#ifdef REASONREC_HAVE_TORCH
  bertscore = std::make_unique<engine::EncoderBertScoreColumns>();
#endif
  const auto outcome = eval::run_text_score_job(args.job, bertscore.get());
  if (args.json) {
    std::cout << eval::summary_json(outcome.result, outcome.pairs).dump(2) << "\n";
  } else {
    std::cout << eval::summary_markdown(outcome.result, outcome.pairs, args.digits);
  }
}

}  // namespace

void add_score_command(CLI::App& app) {
  auto* score = app.add_subcommand("score", "Score model outputs against references");
  score->require_subcommand(1);
  auto args = std::make_shared<ScoreTextArgs>();
  auto* text = score->add_subcommand(
      "text",
      "Text metrics (BLEU, chrF, ...) of candidates against references, each exactly as its "
      "reference implementation computes it; per-pair JSONL and a corpus summary");
  text->add_option("--candidates", args->job.source.candidates,
                   "Candidates: JSONL (with references unless --references is given) or plain "
                   "text, one per line")
      ->required();
  text->add_option("--references", args->job.source.references,
                   "References: JSONL or plain text, one per line; repeat for several "
                   "references per candidate");
  text->add_option("--metrics", args->job.metrics, metrics_help())->capture_default_str();
  text->add_option("--candidate-field", args->job.source.candidate_field,
                   "JSONL field of the candidate text")
      ->capture_default_str();
  text->add_option("--references-field", args->job.source.references_field,
                   "JSONL field of the references (a string or an array of strings)")
      ->capture_default_str();
  text->add_option("--id-field", args->job.source.id_field,
                   "JSONL field copied to the per-pair output as id (default: record number)")
      ->capture_default_str();
  text->add_option("--format", args->job.format,
                   "Input format: detect (.jsonl/.json are JSONL), jsonl or text")
      ->capture_default_str();
  text->add_option("--out-pairs", args->job.out_pairs, "Write per-pair scores to this JSONL file");
  text->add_flag("--json", args->json, "Print the summary as JSON instead of a markdown table");
  text->add_option("--digits", args->digits, "Digits after the point in the markdown table")
      ->capture_default_str()
      ->check(CLI::Range(0, 17));
  text->add_option("--threads", args->job.threads, "Worker threads for sentence scores")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  text->add_option("--encoder", args->job.bertscore.encoder,
                   "BERTScore: a BERT / RoBERTa model directory (config.json, safetensors, "
                   "tokenizer.json)")
      ->check(InputDirectory());
  text->add_option("--layer", args->job.bertscore.layer,
                   "BERTScore: hidden layer (0 = embeddings; default: bert_score's layer for "
                   "known model names, e.g. roberta-large 17)")
      ->check(CLI::Range(0, 1000));
  text->add_flag("--idf", args->job.bertscore.idf, "BERTScore: idf weights from the references");
  text->add_option("--baseline", args->job.bertscore.baseline,
                   "BERTScore: rescale with this baseline file (bert_score's LAYER,P,R,F CSV)")
      ->check(InputFile());
  text->callback([args] { run_score_text(*args); });
}

}  // namespace reasonrec::cli
