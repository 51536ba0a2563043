#include "train/distil_summary.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace reasonrec::train {

namespace {

// Rates as fractions; null when there is nothing to divide by, so that 0 of 0 does not read
// as "all dropped".
nlohmann::ordered_json rate(std::size_t part, std::size_t whole) {
  if (whole == 0) return nullptr;
  return static_cast<double>(part) / static_cast<double>(whole);
}

std::string percent(std::size_t part, std::size_t whole) {
  if (whole == 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

// The example ids listed in the summary file: enough to look at, not a copy of the data.
constexpr std::size_t kListedIds = 20;

}  // namespace

std::vector<std::string> class_warnings(const DistilSummary& s) {
  std::vector<std::string> out;
  for (std::size_t c = 0; c < s.by_true_rating.size(); ++c) {
    const RatingClassCounts& k = s.by_true_rating[c];
    if (k.input == 0) continue;
    const bool few_of_input = k.retained * 10 < k.input;
    const bool few_of_all = k.retained * 20 < s.retained;
    if (!few_of_input && !few_of_all) continue;
    out.push_back(fmt::format(
        "class {} nearly gone: {} of {} retained ({} of its samples, {} of all retained)", c + 1,
        k.retained, k.input, percent(k.retained, k.input), percent(k.retained, s.retained)));
  }
  return out;
}

nlohmann::ordered_json summary_to_json(const DistilSummary& s) {
  nlohmann::ordered_json j;
  j["examples_file"] = s.examples_file;
  j["teacher_file"] = s.teacher_file;
  j["verification_file"] = s.verification_file.empty()
                               ? nlohmann::ordered_json(nullptr)
                               : nlohmann::ordered_json(s.verification_file);
  j["out"] = s.out_file;
  j["filter"] = s.filter;
  j["target"] = s.target;
  j["mode"] = s.mode;
  j["split"] = s.split;
  j["input_samples"] = s.input_samples;
  j["examples"] = s.examples;
  j["skipped_missing"] = s.skipped_missing;
  j["unparsed_dropped"] = s.unparsed;
  j["empty_reasoning_dropped"] = s.empty_reasoning;
  j["unverified_dropped"] = s.unverified;
  j["filtered_out"] = s.filtered_out;
  j["unreadable_target_dropped"] = s.unreadable_target;
  j["retained"] = s.retained;
  nlohmann::ordered_json by_filter = nlohmann::ordered_json::object();
  for (const auto& [f, n] : s.retained_by_filter) by_filter[std::string(distil_filter_name(f))] = n;
  j["retained_by_filter"] = std::move(by_filter);
  nlohmann::ordered_json classes = nlohmann::ordered_json::object();
  for (std::size_t c = 0; c < s.by_true_rating.size(); ++c) {
    const RatingClassCounts& k = s.by_true_rating[c];
    nlohmann::ordered_json row;
    row["input"] = k.input;
    row["retained"] = k.retained;
    row["retained_rate"] = rate(k.retained, k.input);
    row["share_of_retained"] = rate(k.retained, s.retained);
    classes[std::to_string(c + 1)] = std::move(row);
  }
  j["by_true_rating"] = std::move(classes);
  const auto& ids = s.examples_without_retained;
  nlohmann::ordered_json without;
  without["count"] = ids.size();
  without["ids"] = std::vector<std::string>(
      ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), kListedIds)));
  j["examples_without_retained"] = std::move(without);
  j["verification_unmatched"] = s.verification_unmatched;
  j["warnings"] = class_warnings(s);
  return j;
}

std::string format_summary(const DistilSummary& s) {
  std::string out = fmt::format("distil: {} teacher samples of {} examples (split {})\n",
                                s.input_samples, s.examples, s.split);
  if (s.skipped_missing > 0) {
    out += fmt::format("  skipped: {} samples of examples not in {}\n", s.skipped_missing,
                       s.examples_file);
  }
  out += fmt::format(
      "  dropped: {} unparsed, {} empty reasoning, {} unverified, {} by filter {}, {} unreadable "
      "targets\n",
      s.unparsed, s.empty_reasoning, s.unverified, s.filtered_out, s.filter, s.unreadable_target);
  out += fmt::format("  retained: {} (filter {}, target {}, mode {}) -> {}\n", s.retained, s.filter,
                     s.target, s.mode, s.out_file);
  std::string per_filter;
  for (const auto& [f, n] : s.retained_by_filter) {
    per_filter += fmt::format("{}{} {}", per_filter.empty() ? "" : ", ", distil_filter_name(f), n);
  }
  out += "  retained per filter: " + per_filter + "\n";
  out += "  true rating     input  retained   rate  share\n";
  for (std::size_t c = 0; c < s.by_true_rating.size(); ++c) {
    const RatingClassCounts& k = s.by_true_rating[c];
    out += fmt::format("  {:<11} {:>9} {:>9} {:>6} {:>6}\n", c + 1, k.input, k.retained,
                       percent(k.retained, k.input), percent(k.retained, s.retained));
  }
  out +=
      fmt::format("  examples with no retained sample: {}\n", s.examples_without_retained.size());
  if (s.verification_unmatched > 0) {
    out += fmt::format("  verification lines matching no teacher sample: {}\n",
                       s.verification_unmatched);
  }
  if (s.unreadable_target > 0) {
    out += fmt::format(
        "WARNING: {} targets did not parse back to the true rating (first: {}); check the "
        "template's answer section\n",
        s.unreadable_target, s.first_unreadable);
  }
  for (const auto& w : class_warnings(s)) out += "WARNING: " + w + "\n";
  return out;
}

}  // namespace reasonrec::train
