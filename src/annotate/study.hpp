#pragma once

// A human-evaluation study in one SQLite file (WAL): the sampled items, the raters with their
// secret tokens, and every answer. docs/annotate.md.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace reasonrec::annotate {

struct Source {
  std::string domain;         // e.g. "beauty"; items are balanced over domains
  std::string examples_path;  // examples.jsonl of that domain
};

struct CreateOptions {
  std::vector<std::string> predictions;  // prediction files; every one is shown per sampled example
  std::vector<Source> examples;          // one per domain
  std::filesystem::path out;
  std::size_t samples = 100;  // examples drawn in all, split evenly over domains
  std::size_t raters = 3;
  std::uint64_t seed = 0;
  std::string split = "test";  // examples of other splits are never drawn
};

struct Rater {
  std::string name;   // "r1", "r2"...
  std::string token;  // 64 hex digits from the OS's random source
};

struct CreateSummary {
  std::size_t examples = 0;  // sampled examples
  std::size_t items = 0;     // example x prediction file
  std::vector<Rater> raters;
  std::string admin_token;
};

// Draws the sample, assigns every item to every rater and writes a new study file (refuses to
// overwrite one). Throws InputError / UsageError.
CreateSummary create_study(const CreateOptions& options);

// Limits on what a rater may send: the page allows 2,000 and 4,000 characters, which UTF-8 may
// spell in up to four bytes each.
inline constexpr std::size_t kMaxNoteBytes = 8000;
inline constexpr std::size_t kMaxCommentBytes = 16000;

// One rater's answer to one item; absent fields are unanswered.
struct Answer {
  std::optional<int> coherence;       // 1..5
  std::optional<bool> faithful;       // no fabricated facts
  std::string fabricated_note;        // optional: the fabricated claim
  std::optional<int> insightfulness;  // 1..5
  std::string comment;
};

// A rater's answer that is not valid (the message names the field; safe to show the rater).
class InvalidAnswer : public Error {
 public:
  using Error::Error;
};

// Parses and validates an answer sent by a rater: {"item":N,"coherence":1..5|null,...}.
// Throws InvalidAnswer naming the field.
std::pair<std::int64_t, Answer> parse_answer(const std::string& body);

struct RaterProgress {
  std::string name;
  std::size_t assigned = 0;
  std::size_t complete = 0;  // all three questions answered
  std::size_t touched = 0;   // any field answered
};

// An open study. Thread-safe (one connection behind a mutex).
class Study {
 public:
  explicit Study(const std::filesystem::path& path);
  ~Study();
  Study(const Study&) = delete;
  Study& operator=(const Study&) = delete;

  // The rater a token names, or nullopt. Admin: is_admin.
  std::optional<std::int64_t> rater_by_token(const std::string& token) const;
  bool is_admin(const std::string& token) const;
  std::vector<Rater> raters() const;
  std::string admin_token() const;

  // What a rater sees: their items in order, each with the display fields and their own answer.
  // Never the true or predicted rating.
  nlohmann::json rater_state(std::int64_t rater) const;
  // Stores the answer, committed before returning; false when the item is not assigned to
  // this rater. Returns the answer's revision.
  std::optional<std::int64_t> save_answer(std::int64_t rater, std::int64_t item,
                                          const Answer& answer);
  std::vector<RaterProgress> progress() const;
  // One JSON line per item x rater, in item then rater order.
  std::string export_jsonl() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reasonrec::annotate
