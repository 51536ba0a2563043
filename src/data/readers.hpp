#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/bad_input.hpp"
#include "data/records.hpp"
#include "data/source_format.hpp"

namespace reasonrec::data {

// What one file held.
struct SourceReport {
  std::string path;
  SourceFormat format = SourceFormat::ReviewsJson;
  std::string compression;
  std::uint64_t lines = 0;    // non-empty lines (CSV/TSV: data rows)
  std::uint64_t records = 0;  // records delivered
  SkipCounts skipped;
};

// Metadata before normalisation: raw field values as the file has them.
struct RawMeta {
  std::string item;
  std::string title;
  std::string brand;
  std::vector<std::string> categories;
  std::vector<std::string> description;
  std::vector<std::string> features;
  std::string price;
};

// Streams the reviews of one file (any review format, any compression) into `sink`.
// Bad records follow `policy`; the report counts what was read and skipped.
SourceReport read_reviews(const std::string& path, SourceFormat format,
                          const BadInputPolicy& policy, const std::function<void(Review&&)>& sink);

// Streams the raw metadata records of one file into `sink`.
SourceReport read_meta(const std::string& path, SourceFormat format, const BadInputPolicy& policy,
                       const std::function<void(RawMeta&&)>& sink);

// Counters of what normalisation dropped, for the data report.
struct NormalizeStats {
  std::uint64_t junk_titles = 0;
  std::uint64_t junk_prices = 0;
};

// Cleans one record: HTML entities decoded, tags stripped, scraped-page junk dropped, list
// fields joined (description parts with " ", features used when there is no description).
ItemMeta normalize_meta(const RawMeta& raw, NormalizeStats& stats);

}  // namespace reasonrec::data
