#pragma once

// `reasonrec align` (docs/align.md): agreement among human raters, the correlation of automatic
// reasoning scores with the mean human judgment, and faithful versus unfaithful reasoning.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/stats_agreement.hpp"

namespace reasonrec::eval {

// One line of judgments.jsonl (one item x rater).
struct Judgment {
  std::string item;  // the study item; "" -> method/example_id#sample
  std::string example_id;
  int sample = 0;
  std::string method;  // which predictions (model / file) the reasoning came from
  std::string rater;
  std::map<std::string, double> values;  // criterion -> rating (faithful: 1 yes, 0 no)
  std::size_t line = 0;
};

// Reads judgments.jsonl: InputError naming the file and line for bad JSON, missing or
// mistyped fields, out-of-range ratings and a rater judging one item twice. Criteria missing
// from a line, or null, are not rated.
std::vector<Judgment> read_judgments(const std::string& path,
                                     const std::vector<std::string>& criteria);

// The ratings of one criterion as units x raters (units in first-seen order).
RatingMatrix rating_matrix(const std::vector<Judgment>& judgments, const std::string& criterion);

struct AlignRequest {
  std::string judgments;
  // Per-prediction scores (`recsaver score --out`): "PATH" for every method, or "METHOD=PATH".
  std::vector<std::string> scores;
  std::vector<std::string> unverified_scores;  // the same, scored with --unverified
  std::vector<std::string> criteria = {"coherence", "faithful", "insightfulness"};
  std::string faithful_criterion = "faithful";  // "" : no faithful/unfaithful split
  std::size_t bootstrap = 1000;
  std::uint64_t seed = 0;
  double confidence = 0.95;
};

// Everything `align --json` prints (docs/align.md, "Output").
nlohmann::ordered_json run_align(const AlignRequest& request);

// The tables as markdown.
std::string format_align(const nlohmann::ordered_json& result, int digits = 3);

}  // namespace reasonrec::eval
