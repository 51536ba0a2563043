#include "data/stats.hpp"

#include <algorithm>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "data/source_format.hpp"
#include "util/format.hpp"

namespace reasonrec::data {

using nlohmann::ordered_json;

void classify_files(const std::vector<std::string>& files, std::vector<std::string>& reviews,
                    std::vector<std::string>& meta) {
  for (const auto& f : files) {
    (kind_of(detect_format(f)) == SourceKind::Reviews ? reviews : meta).push_back(f);
  }
}

namespace {

// Buckets of reviews per user: 1, 2, 3, 4, 5, 6-10, 11-20, 21-50, 51+.
std::string bucket(std::size_t n) {
  if (n <= 5) return std::to_string(n);
  if (n <= 10) return "6-10";
  if (n <= 20) return "11-20";
  if (n <= 50) return "21-50";
  return "51+";
}

}  // namespace

ordered_json dataset_stats(const Dataset& dataset, int min_history) {
  ordered_json j;
  const auto timelines = build_timelines(dataset.reviews);
  std::set<std::string> items;
  std::uint64_t ratings[5] = {};
  std::uint64_t with_text = 0;
  for (const auto& r : dataset.reviews) {
    items.insert(r.item);
    ++ratings[r.rating - 1];
    if (!r.text.empty()) ++with_text;
  }
  std::uint64_t with_meta = 0;
  for (const auto& item : items) with_meta += dataset.meta.count(item);

  j["reviews"] = dataset.reviews.size();
  j["duplicate_reviews_dropped"] = dataset.duplicate_reviews;
  j["reviews_with_text"] = with_text;
  j["users"] = timelines.size();
  j["items"] = items.size();
  ordered_json hist;
  for (int r = 1; r <= 5; ++r) hist[std::to_string(r)] = ratings[r - 1];
  j["ratings"] = hist;

  ordered_json per_user;
  for (const char* b : {"1", "2", "3", "4", "5", "6-10", "11-20", "21-50", "51+"}) per_user[b] = 0;
  std::uint64_t candidates = 0;
  for (const auto& t : timelines) {
    per_user[bucket(t.reviews.size())] =
        per_user[bucket(t.reviews.size())].get<std::uint64_t>() + 1;
    if (t.reviews.size() > static_cast<std::size_t>(min_history)) {
      candidates += t.reviews.size() - static_cast<std::size_t>(min_history);
    }
  }
  j["reviews_per_user"] = per_user;
  j["min_history"] = min_history;
  j["candidate_targets"] = candidates;
  j["meta_records"] = dataset.meta.size();
  j["duplicate_meta_lines_merged"] = dataset.duplicate_meta_lines;
  j["items_with_meta"] = with_meta;
  j["items_without_meta"] = items.size() - with_meta;
  j["meta_coverage"] = items.empty() ? 0.0 : static_cast<double>(with_meta) / items.size();
  std::uint64_t titles = 0, descriptions = 0, brands = 0, prices = 0, categories = 0;
  for (const auto& [id, m] : dataset.meta) {
    titles += !m.title.empty();
    descriptions += !m.description.empty();
    brands += !m.brand.empty();
    prices += !m.price.empty();
    categories += !m.categories.empty();
  }
  j["meta_fields"] = {{"title", titles},
                      {"brand", brands},
                      {"categories", categories},
                      {"price", prices},
                      {"description", descriptions}};
  j["junk_titles_dropped"] = dataset.normalize.junk_titles;
  ordered_json skipped = ordered_json::object();
  for (const auto& s : dataset.sources) {
    for (const auto& [reason, n] : s.skipped.by_reason()) {
      skipped[reason] = skipped.value(reason, std::uint64_t{0}) + n;
    }
  }
  j["skipped"] = skipped;
  return j;
}

std::string format_stats(const ordered_json& s) {
  std::ostringstream out;
  const auto n = [&](const char* key) { return with_commas(s[key].get<std::uint64_t>()); };
  out << fmt::format("reviews: {} ({} duplicates dropped, {} with text)\n", n("reviews"),
                     n("duplicate_reviews_dropped"), n("reviews_with_text"));
  out << fmt::format("users: {}\nitems: {}\n", n("users"), n("items"));
  out << "ratings:";
  for (int r = 1; r <= 5; ++r) {
    out << fmt::format("  {}★ {}", r,
                       with_commas(s["ratings"][std::to_string(r)].get<std::uint64_t>()));
  }
  out << "\nreviews per user:";
  for (const auto& [bucket_name, count] : s["reviews_per_user"].items()) {
    out << fmt::format("  {}: {}", bucket_name, with_commas(count.get<std::uint64_t>()));
  }
  out << fmt::format("\ncandidate targets (>= {} earlier reviews): {}\n",
                     s["min_history"].get<int>(), n("candidate_targets"));
  out << fmt::format(
      "metadata: {} records ({} duplicate lines merged); {} of {} items covered "
      "({:.1f}%), {} lack metadata\n",
      n("meta_records"), n("duplicate_meta_lines_merged"), n("items_with_meta"), n("items"),
      100.0 * s["meta_coverage"].get<double>(), n("items_without_meta"));
  if (s["meta_records"].get<std::uint64_t>() > 0) {
    out << "metadata fields present:";
    for (const auto& [field, count] : s["meta_fields"].items()) {
      out << fmt::format("  {} {}", field, with_commas(count.get<std::uint64_t>()));
    }
    out << fmt::format("  (junk titles dropped: {})\n", n("junk_titles_dropped"));
  }
  if (!s["skipped"].empty()) {
    out << "skipped:";
    for (const auto& [reason, count] : s["skipped"].items()) {
      out << fmt::format("  {} {}", reason, with_commas(count.get<std::uint64_t>()));
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace reasonrec::data
