#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/sampling.hpp"

namespace reasonrec::data {

struct PrepareOptions {
  std::vector<std::string> review_files;
  std::vector<std::string> meta_files;
  LoadOptions load;
  SamplingOptions sampling;
  std::string out_dir;  // receives examples.jsonl and prepare.json
};

struct PrepareResult {
  Dataset dataset;
  SamplingResult sampling;
  nlohmann::ordered_json summary;  // the content of prepare.json
};

// The `prepare` stage: read, deduplicate, build histories, sample balanced splits, write
// examples.jsonl and prepare.json (both byte-identical for the same inputs and seed).
PrepareResult prepare(const PrepareOptions& options);

// prepare.json: settings, sources (lines, records, skips by reason), deduplication, metadata
// coverage, and requested/taken counts per split and rating.
nlohmann::ordered_json prepare_summary(const PrepareOptions& options, const Dataset& dataset,
                                       const SamplingResult& sampling);

// A human-readable report of the same (for the terminal).
std::string format_prepare_report(const nlohmann::ordered_json& summary);

}  // namespace reasonrec::data
