#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "eval/metric_options.hpp"
#include "eval/text_metrics.hpp"
#include "eval/text_pairs.hpp"
#include "eval/text_scoring.hpp"
#include "util/error.hpp"
#include "util/progress.hpp"

namespace reasonrec::cli {

namespace {

struct ScoreTextArgs {
  eval::TextPairSource source;
  std::string format = "detect";
  std::string metrics = "bleu,chrf";
  std::string out_pairs;
  bool json = false;
  int digits = 4;
  unsigned threads = 1;
};

std::string metrics_help() {
  std::string help =
      "Comma-separated metrics, each NAME or NAME:KEY=VALUE[:KEY=VALUE...], e.g. "
      "bleu:tokenize=none,bleu-nltk:smooth=method1. Known metrics:";
  for (const auto& entry : eval::text_metric_registry()) {
    help += "\n  " + std::string(entry.name) + ": " + std::string(entry.description);
  }
  return help;
}

void run_score_text(const ScoreTextArgs& args) {
  std::vector<eval::LabeledMetric> metrics;
  for (eval::MetricSpec& spec : eval::parse_metric_specs(args.metrics)) {
    metrics.push_back({spec.label, eval::make_text_metric(spec.name, spec.options)});
  }
  eval::TextPairSource source = args.source;
  if (args.format == "jsonl") {
    source.format = eval::TextFileFormat::jsonl;
  } else if (args.format == "text") {
    source.format = eval::TextFileFormat::text;
  } else if (args.format != "detect") {
    throw UsageError("--format must be detect, jsonl or text");
  }
  const std::vector<eval::TextPair> pairs = eval::read_text_pairs(source);

  std::ofstream pairs_out;
  if (!args.out_pairs.empty()) {
    pairs_out.open(args.out_pairs, std::ios::binary);
    if (!pairs_out) throw Error("cannot write " + args.out_pairs);
  }
  eval::TextScoringResult result;
  {
    Progress progress(ProgressOptions{"score text", pairs.size(), "pairs"});
    result = eval::score_text_pairs(metrics, pairs, args.threads, &progress);
    progress.finish();
  }
  if (pairs_out.is_open()) {
    eval::write_pair_scores_jsonl(pairs_out, pairs, result);
    pairs_out.close();
    if (!pairs_out) throw Error("cannot write " + args.out_pairs);
  }
  if (args.json) {
    std::cout << eval::summary_json(result, pairs.size()).dump(2) << "\n";
  } else {
    std::cout << eval::summary_markdown(result, pairs.size(), args.digits);
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
  text->add_option("--candidates", args->source.candidates,
                   "Candidates: JSONL (with references unless --references is given) or plain "
                   "text, one per line")
      ->required()
      ->check(CLI::ExistingFile);
  text->add_option("--references", args->source.references,
                   "References: JSONL or plain text, one per line; repeat for several "
                   "references per candidate")
      ->check(CLI::ExistingFile);
  text->add_option("--metrics", args->metrics, metrics_help())->capture_default_str();
  text->add_option("--candidate-field", args->source.candidate_field,
                   "JSONL field of the candidate text")
      ->capture_default_str();
  text->add_option("--references-field", args->source.references_field,
                   "JSONL field of the references (a string or an array of strings)")
      ->capture_default_str();
  text->add_option("--id-field", args->source.id_field,
                   "JSONL field copied to the per-pair output as id (default: record number)")
      ->capture_default_str();
  text->add_option("--format", args->format,
                   "Input format: detect (.jsonl/.json are JSONL), jsonl or text")
      ->capture_default_str();
  text->add_option("--out-pairs", args->out_pairs, "Write per-pair scores to this JSONL file");
  text->add_flag("--json", args->json, "Print the summary as JSON instead of a markdown table");
  text->add_option("--digits", args->digits, "Digits after the point in the markdown table")
      ->capture_default_str()
      ->check(CLI::Range(0, 17));
  text->add_option("--threads", args->threads, "Worker threads for sentence scores")
      ->capture_default_str()
      ->check(CLI::Range(1u, 1024u));
  text->callback([args] { run_score_text(*args); });
}

}  // namespace reasonrec::cli
