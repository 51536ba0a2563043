#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/readers.hpp"
#include "data/records.hpp"
#include "util/progress.hpp"

namespace reasonrec::data {

struct LoadOptions {
  BadInputPolicy bad_input;
  ProgressMode progress = ProgressMode::Auto;
};

// Reviews and item metadata from one or more files, deduplicated.
struct Dataset {
  std::vector<Review> reviews;                     // distinct reviews, in file order
  std::unordered_map<std::string, ItemMeta> meta;  // by item id
  std::vector<SourceReport> sources;
  std::uint64_t duplicate_reviews = 0;     // same (user, item, time, text) seen before
  std::uint64_t duplicate_meta_lines = 0;  // same item id seen before (fields merged)
  NormalizeStats normalize;
};

// Reads every file (format detected from content unless the kind is wrong for the list it is
// in) and deduplicates: reviews by (user, item, time, text), keeping the first; metadata by item
// id, the first non-empty value of each field winning.
Dataset load_dataset(const std::vector<std::string>& review_files,
                     const std::vector<std::string>& meta_files, const LoadOptions& options);

// Adds reviews to a vector, dropping exact duplicates of (user, item, time, text).
// An open-addressing table of review indices with their cached hashes: one probe sequence and
// no allocation per review, which matters at millions of reviews.
class ReviewDeduplicator {
 public:
  explicit ReviewDeduplicator(std::vector<Review>& reviews);
  // Returns false (and drops the review) when an identical one was added before.
  bool add(Review&& review);

 private:
  static std::uint64_t hash_review(const Review& review);
  bool same(const Review& a, const Review& b) const;
  bool insert_index(std::uint32_t index);  // false when an equal review is already there
  void grow();

  std::vector<Review>& reviews_;
  std::vector<std::uint64_t> hashes_;  // hashes_[i] for reviews_[i]
  std::vector<std::uint32_t> slots_;   // review index + 1; 0 = empty
  std::size_t used_ = 0;
};

// One user's reviews in time order (ties keep file order).
struct Timeline {
  std::string user;
  std::vector<std::uint32_t> reviews;  // indices into Dataset::reviews
};

// Every user's timeline, users sorted by id.
std::vector<Timeline> build_timelines(const std::vector<Review>& reviews);

}  // namespace reasonrec::data
