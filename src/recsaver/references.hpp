#pragma once

// Rec-SAVER steps 1-4 (docs/recsaver.md): post-hoc explanations of the true rating, the
// leakage scrub, self-verification, and references.jsonl with its summary. Also step 3 alone
// over the reasoning of any predictions file (`recsaver verify`).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "llm/types.hpp"
#include "recsaver/scrub.hpp"
#include "recsaver/session.hpp"
#include "util/progress.hpp"

namespace reasonrec::recsaver {

// One verification call: the rating a model reads back from an explanation.
struct Verification {
  bool sent = false;  // false: nothing to verify (an empty or failed explanation)
  bool ok = false;    // the request succeeded
  std::string error;  // why it failed, when sent && !ok
  std::string raw;
  std::optional<int> rating;
  std::string parse_status;  // the rating parser's source name, or "unparsed:<failure>"
  llm::Usage usage;
};

// One explanation (one sample of one example) through explain, scrub and verify.
//
// status, in the order the steps decide it:
//   explain_failed     the explanation request failed for good (explain_error says why)
//   empty_explanation  the model's answer holds no explanation text
//   empty_after_scrub  every sentence was removed by the scrub (nothing is verified)
//   verify_failed      the verification request failed for good
//   unparsed           the verification answer states no readable rating
//   rejected           the rating read back is off the truth by more than the tolerance
//   kept               a verified reference
struct Explanation {
  std::string example_id;
  std::string split;
  int true_rating = 0;
  int sample = 0;
  std::optional<std::uint64_t> seed;
  bool explain_ok = false;
  std::string explain_error;
  std::string raw;  // the explanation call's output
  std::string finish_reason;
  std::string text;  // the explanation read from it (headings and any rating section dropped)
  llm::Usage usage;
  ScrubResult scrub;
  Verification verification;
  std::string status;
  bool kept = false;
};

// What every line of references.jsonl records about the run that made it.
struct Provenance {
  std::string examples;         // the examples file as given
  std::string examples_sha256;  // of its bytes: `recsaver score` checks it
  std::string model;
  std::string backend;
  std::string domain;
  int n = 0;
  double temperature = 0;
  double top_p = 1;
  int max_tokens = 0;
  int verify_max_tokens = 0;
  std::optional<std::uint64_t> seed;
  int tolerance = 0;
  std::string rules;  // the scrub rule set's name
  std::string rules_sha256;
};

struct ReferencesJob {
  std::filesystem::path examples;
  std::filesystem::path out;      // references.jsonl
  std::filesystem::path summary;  // empty: beside `out`, NAME.summary.json
  BackendSettings backend;        // its cache, when empty: llm-cache.sqlite beside `out`
  PromptSettings prompts;
  int n = 4;  // explanations per example
  double temperature = 0.8;
  double top_p = 1.0;
  int max_tokens = 512;
  int verify_max_tokens = 64;
  std::uint64_t seed = 0;         // explanation i is sampled with seed + i
  std::string verify_constraint;  // in-process only: an output constraint for verification
  std::string split = "test";
  std::size_t limit = 0;
  int tolerance = 0;            // keep when |read back - truth| <= tolerance
  std::string scrub = "paper";  // paper, strict, or a rule file
  ProgressMode progress = ProgressMode::Auto;
};

struct ReferencesResult {
  std::vector<Explanation> explanations;  // by example (file order), then sample
  Provenance provenance;
  nlohmann::ordered_json summary;  // as written to the summary file
  std::filesystem::path summary_path;
  std::filesystem::path cache;
  llm::CacheStats explain_cache;
  llm::CacheStats verify_cache;
  std::optional<llm::ClientStats> client;
};

// Runs explain, scrub and verify over the selected examples and writes references.jsonl and
// the summary, both atomically. The outputs depend only on the inputs and the completions, so
// a run killed at any point and run again (its completions come from the response cache)
// writes the same bytes. Throws UsageError for bad settings, InputError for bad files.
ReferencesResult run_references_job(const ReferencesJob& job);

// The explanation in an explain call's output: the text under "### Reason ###", without a
// rating section or "Rating: 4" line the model may have added.
std::string explanation_text(const std::string& raw);

// Reads the verification answer and decides the explanation's status and kept flag.
void decide(Explanation& e, int tolerance);

// One line of references.jsonl (without the newline).
std::string explanation_to_jsonl_line(const Explanation& e, const Provenance& provenance);

// The summary of a run: counts by status, pass rate per true rating, explanations kept per
// example, examples left without a reference, the scrub's removals by rule, and the leakage
// audit of the kept references against the strict rule set. `examples` are the selected ones.
nlohmann::ordered_json references_summary(const std::vector<Explanation>& explanations,
                                          const Provenance& provenance, int n);

// The summary as the lines a user reads.
std::string format_references_summary(const nlohmann::ordered_json& summary);

// The default summary path: refs.jsonl -> refs.summary.json.
std::filesystem::path summary_path_for(const std::filesystem::path& out);

// --- step 3 alone over a predictions file (`recsaver verify`) ---

struct VerifyJob {
  std::filesystem::path examples;
  std::filesystem::path predictions;
  std::filesystem::path out;
  std::filesystem::path summary;  // empty: NAME.summary.json beside `out`
  BackendSettings backend;
  PromptSettings prompts;
  int verify_max_tokens = 64;
  std::string verify_constraint;
  int tolerance = 0;
  std::string scrub = "paper";
  ProgressMode progress = ProgressMode::Auto;
};

struct VerifyResult {
  std::size_t predictions = 0;
  std::size_t verified = 0;  // read back within the tolerance
  std::size_t rejected = 0;
  std::size_t unparsed = 0;
  std::size_t failed = 0;           // verification requests that failed for good
  std::size_t empty_reasoning = 0;  // nothing to verify (also failed predictions)
  std::size_t empty_after_scrub = 0;
  nlohmann::ordered_json summary;
  std::filesystem::path summary_path;
  std::filesystem::path cache;
  llm::CacheStats cache_stats;
};

// Scrubs every prediction's reasoning and verifies it against its example's true rating; one
// output line per prediction, in file order. InputError (file, line, field) for a prediction
// whose example_id is not in the examples file.
VerifyResult run_verify_job(const VerifyJob& job);

}  // namespace reasonrec::recsaver
