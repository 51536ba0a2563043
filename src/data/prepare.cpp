#include "data/prepare.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "data/example_io.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/format.hpp"

namespace reasonrec::data {

using nlohmann::ordered_json;

namespace {

ordered_json class_counts(const ClassCounts& counts) {
  ordered_json j;
  for (int r = 1; r <= 5; ++r) j[std::to_string(r)] = counts[r];
  return j;
}

ordered_json skip_json(const SkipCounts& skips) {
  ordered_json j = ordered_json::object();
  for (const auto& [reason, n] : skips.by_reason()) j[reason] = n;
  return j;
}

}  // namespace

ordered_json prepare_summary(const PrepareOptions& options, const Dataset& dataset,
                             const SamplingResult& sampling) {
  ordered_json j;
  j["stage"] = "prepare";
  ordered_json settings;
  settings["reviews"] = options.review_files;
  settings["meta"] = options.meta_files;
  settings["min_history"] = options.sampling.min_history;
  settings["max_history"] = options.sampling.max_history;
  settings["train_per_rating"] = options.sampling.train_per_rating;
  settings["test_per_rating"] = options.sampling.test_per_rating;
  settings["max_targets_per_user"] = options.sampling.max_targets_per_user;
  settings["seed"] = options.sampling.seed;
  settings["skip_bad"] = options.load.bad_input.skip;
  j["settings"] = settings;

  ordered_json sources = ordered_json::array();
  for (const auto& s : dataset.sources) {
    ordered_json src;
    src["path"] = s.path;
    src["format"] = format_name(s.format);
    src["compression"] = s.compression;
    src["lines"] = s.lines;
    src["records"] = s.records;
    src["skipped"] = skip_json(s.skipped);
    sources.push_back(src);
  }
  j["sources"] = sources;

  std::set<std::string> items;
  for (const auto& r : dataset.reviews) items.insert(r.item);
  std::uint64_t with_meta = 0;
  for (const auto& item : items) with_meta += dataset.meta.count(item);
  ordered_json data;
  data["reviews"] = dataset.reviews.size();
  data["duplicate_reviews_dropped"] = dataset.duplicate_reviews;
  data["users"] = sampling.report.users;
  data["items"] = items.size();
  data["items_with_meta"] = with_meta;
  data["items_without_meta"] = items.size() - with_meta;
  data["meta_records"] = dataset.meta.size();
  data["duplicate_meta_lines_merged"] = dataset.duplicate_meta_lines;
  data["junk_titles_dropped"] = dataset.normalize.junk_titles;
  data["junk_prices_dropped"] = dataset.normalize.junk_prices;
  j["data"] = data;

  const SamplingReport& r = sampling.report;
  ordered_json cand;
  cand["users_with_candidates"] = r.users_with_candidates;
  cand["targets_by_rating"] = class_counts(r.candidates);
  cand["users_by_rating"] = class_counts(r.candidate_users);
  j["candidates"] = cand;
  ordered_json splits;
  splits["train"] = {{"users", r.train_users},
                     {"requested", class_counts(r.train_requested)},
                     {"taken", class_counts(r.train_taken)},
                     {"examples", r.train_taken.total()}};
  splits["test"] = {{"users", r.test_users},
                    {"requested", class_counts(r.test_requested)},
                    {"taken", class_counts(r.test_taken)},
                    {"examples", r.test_taken.total()}};
  j["splits"] = splits;
  j["shortfalls"] = r.shortfalls;
  return j;
}

std::string format_prepare_report(const ordered_json& s) {
  std::ostringstream out;
  const auto& d = s["data"];
  out << "sources:\n";
  for (const auto& src : s["sources"]) {
    out << fmt::format("  {} ({}, {}): {} lines, {} records", src["path"].get<std::string>(),
                       src["format"].get<std::string>(), src["compression"].get<std::string>(),
                       with_commas(src["lines"].get<std::uint64_t>()),
                       with_commas(src["records"].get<std::uint64_t>()));
    for (const auto& [reason, n] : src["skipped"].items()) {
      out << fmt::format(", skipped {} ({})", with_commas(n.get<std::uint64_t>()), reason);
    }
    out << "\n";
  }
  out << fmt::format("reviews: {} distinct ({} duplicates dropped), {} users, {} items\n",
                     with_commas(d["reviews"].get<std::uint64_t>()),
                     with_commas(d["duplicate_reviews_dropped"].get<std::uint64_t>()),
                     with_commas(d["users"].get<std::uint64_t>()),
                     with_commas(d["items"].get<std::uint64_t>()));
  out << fmt::format(
      "metadata: {} of {} reviewed items have metadata ({} lack it); {} duplicate lines merged, "
      "{} junk titles and {} junk prices dropped\n",
      with_commas(d["items_with_meta"].get<std::uint64_t>()),
      with_commas(d["items"].get<std::uint64_t>()),
      with_commas(d["items_without_meta"].get<std::uint64_t>()),
      with_commas(d["duplicate_meta_lines_merged"].get<std::uint64_t>()),
      with_commas(d["junk_titles_dropped"].get<std::uint64_t>()),
      with_commas(d["junk_prices_dropped"].get<std::uint64_t>()));
  out << "\n| split | 1 | 2 | 3 | 4 | 5 | total | users |\n|---|---|---|---|---|---|---|---|\n";
  out << "| candidates |";
  for (int r = 1; r <= 5; ++r) {
    out << " " << s["candidates"]["targets_by_rating"][std::to_string(r)].get<std::uint64_t>()
        << " |";
  }
  std::uint64_t candidate_total = 0;
  for (const auto& [rating, n] : s["candidates"]["targets_by_rating"].items()) {
    candidate_total += n.get<std::uint64_t>();
  }
  out << " " << candidate_total << " | "
      << s["candidates"]["users_with_candidates"].get<std::uint64_t>() << " |\n";
  for (const char* split : {"train", "test"}) {
    const auto& sp = s["splits"][split];
    out << "| " << split << " |";
    for (int r = 1; r <= 5; ++r) {
      out << fmt::format(" {}/{} |", sp["taken"][std::to_string(r)].get<std::uint64_t>(),
                         sp["requested"][std::to_string(r)].get<std::uint64_t>());
    }
    out << fmt::format(" {} | {} |\n", sp["examples"].get<std::uint64_t>(),
                       sp["users"].get<std::uint64_t>());
  }
  if (!s["shortfalls"].empty()) {
    out << "\nshort of the request (took what exists):\n";
    for (const auto& line : s["shortfalls"]) out << "  " << line.get<std::string>() << "\n";
  }
  return out.str();
}

PrepareResult prepare(const PrepareOptions& options) {
  if (options.review_files.empty()) throw UsageError("prepare needs at least one review file");
  if (options.out_dir.empty()) throw UsageError("prepare needs an output directory (--out)");
  PrepareResult result;
  result.dataset = load_dataset(options.review_files, options.meta_files, options.load);
  result.sampling = sample_examples(result.dataset, options.sampling);
  result.summary = prepare_summary(options, result.dataset, result.sampling);

  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) throw Error("cannot create " + options.out_dir + ": " + ec.message());
  std::ostringstream examples;
  write_examples(examples, result.sampling.examples);
  write_file_atomically(options.out_dir + "/examples.jsonl", examples.str());
  write_file_atomically(options.out_dir + "/prepare.json", result.summary.dump(2) + "\n");
  return result;
}

}  // namespace reasonrec::data
