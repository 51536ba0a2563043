#include <filesystem>
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

#ifdef REASONREC_HAVE_TORCH
#include "engine/bertscore_embedder.hpp"
#include "engine/text_encoder.hpp"
#include "eval/bertscore.hpp"
#endif

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
  // BERTScore (needs the torch engine)
  std::string encoder;
  int layer = -1;
  bool idf = false;
  std::string baseline;
};

#ifdef REASONREC_HAVE_TORCH
// Scores BERTScore for one --metrics entry and appends its column to `result`.
void add_bertscore(const eval::MetricSpec& spec, const ScoreTextArgs& args,
                   const engine::TextEncoder& encoder, const std::vector<eval::TextPair>& pairs,
                   eval::TextScoringResult& result) {
  int layer = static_cast<int>(spec.options.get_int("layer", args.layer));
  const std::string baseline = spec.options.get_string("baseline", args.baseline);
  eval::BertScoreOptions options;
  options.idf = spec.options.get_bool("idf", args.idf);
  spec.options.require_all_used("bertscore");
  if (layer < 0) {
    const auto known = engine::bertscore_default_layer(encoder.model_name());
    if (!known) {
      throw UsageError("bertscore: give --layer N for " + encoder.model_name() +
                       " (bert_score's default layers are known only for its named models, "
                       "e.g. roberta-large: 17)");
    }
    layer = *known;
  }
  if (!baseline.empty()) {
    options.baseline = eval::read_bertscore_baseline(baseline, layer);
    options.baseline_name = std::filesystem::path(baseline).filename().string();
  }
  const engine::EncoderTokenEmbedder embedder(encoder, layer);
  const eval::BertScorer scorer(embedder, options);
  Progress progress(ProgressOptions{"bertscore", pairs.size(), "pairs"});
  eval::append_bertscore(result, spec.label, scorer, pairs, &progress);
  progress.finish();
}
#endif

std::string metrics_help() {
  std::string help =
      "Comma-separated metrics, each NAME or NAME:KEY=VALUE[:KEY=VALUE...], e.g. "
      "bleu:tokenize=none,bleu-nltk:smooth=method1. Known metrics:";
  for (const auto& entry : eval::text_metric_registry()) {
    help += "\n  " + std::string(entry.name) + ": " + std::string(entry.description);
  }
  help +=
      "\n  bertscore: BERTScore F1 as bert_score 0.3.13 (needs --encoder; options layer=N, "
      "idf=yes, baseline=FILE)";
  return help;
}

void run_score_text(const ScoreTextArgs& args) {
  std::vector<eval::LabeledMetric> metrics;
  std::vector<eval::MetricSpec> bertscores;  // scored apart: idf needs every reference
  for (eval::MetricSpec& spec : eval::parse_metric_specs(args.metrics)) {
    if (spec.name == "bertscore") {
#ifndef REASONREC_HAVE_TORCH
      throw UsageError("bertscore needs the torch engine, which this build leaves out");
#endif
      if (args.encoder.empty()) throw UsageError("bertscore needs --encoder DIR");
      bertscores.push_back(std::move(spec));
      continue;
    }
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
#ifdef REASONREC_HAVE_TORCH
  if (!bertscores.empty()) {
    const engine::TextEncoder encoder = engine::TextEncoder::open(args.encoder);
    for (const eval::MetricSpec& spec : bertscores) {
      add_bertscore(spec, args, encoder, pairs, result);
    }
  }
#endif
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
  text->add_option("--encoder", args->encoder,
                   "BERTScore: a BERT / RoBERTa model directory (config.json, safetensors, "
                   "tokenizer.json)")
      ->check(CLI::ExistingDirectory);
  text->add_option("--layer", args->layer,
                   "BERTScore: hidden layer (0 = embeddings; default: bert_score's layer for "
                   "known model names, e.g. roberta-large 17)")
      ->check(CLI::Range(0, 1000));
  text->add_flag("--idf", args->idf, "BERTScore: idf weights from the references");
  text->add_option("--baseline", args->baseline,
                   "BERTScore: rescale with this baseline file (bert_score's LAYER,P,R,F CSV)")
      ->check(CLI::ExistingFile);
  text->callback([args] { run_score_text(*args); });
}

}  // namespace reasonrec::cli
