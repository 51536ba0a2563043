#pragma once

// What `reasonrec distil` kept and dropped, and whether filtering left the rating classes
// balanced enough to train on: a student that never sees class 1 cannot predict it.

#include <array>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/distil_filter.hpp"

namespace reasonrec::train {

struct RatingClassCounts {
  std::size_t input = 0;     // teacher samples of examples with this true rating
  std::size_t retained = 0;  // of them, lines written
};

struct DistilSummary {
  // The run, as the user asked for it.
  std::string examples_file;
  std::string teacher_file;
  std::string verification_file;  // empty: none given
  std::string out_file;
  std::string filter;  // distil_filter_name
  std::string target;  // "reasoning" or "rating-only"
  std::string mode;    // the prompt's mode label (predict's `mode`)
  std::string split;

  std::size_t input_samples = 0;      // teacher samples read (after --skip-missing skips)
  std::size_t examples = 0;           // distinct examples among them
  std::size_t skipped_missing = 0;    // samples of examples not in E (--skip-missing only)
  std::size_t unparsed = 0;           // no teacher rating (unparsed or failed request)
  std::size_t empty_reasoning = 0;    // reasoning target: a rating but no reasoning to teach
  std::size_t unverified = 0;         // verified filter: no line in V for the sample
  std::size_t filtered_out = 0;       // failed the filter (verified: V says not verified)
  std::size_t unreadable_target = 0;  // the rendered target did not parse back to the truth
  std::string first_unreadable;       // "example ID sample N" of the first such target
  std::size_t retained = 0;           // lines written
  // Per filter, the usable samples (parsed, with reasoning for a reasoning target) it keeps;
  // `verified` only with a verification file.
  std::map<DistilFilter, std::size_t> retained_by_filter;
  std::array<RatingClassCounts, 5> by_true_rating{};   // index 0: true rating 1
  std::vector<std::string> examples_without_retained;  // ids, in teacher-file order
  std::size_t verification_unmatched = 0;              // lines of V no teacher sample has
};

// One line per rating class whose retained count is below 10% of its input or below 5% of
// everything retained, e.g. "class 1 nearly gone: 3 of 412 retained". Classes without input
// are not warned about (there was nothing to lose).
std::vector<std::string> class_warnings(const DistilSummary& s);

// <out>.summary.json (docs/training.md lists the keys).
nlohmann::ordered_json summary_to_json(const DistilSummary& s);

// The lines printed to stdout, the warnings last ("WARNING: ..."), each ending in '\n'.
std::string format_summary(const DistilSummary& s);

}  // namespace reasonrec::train
