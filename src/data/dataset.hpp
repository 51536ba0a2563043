#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <unordered_set>
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

// Adds reviews to `dataset`, dropping exact duplicates. Exposed for benchmarks and tests.
class ReviewDeduplicator {
 public:
  explicit ReviewDeduplicator(std::vector<Review>& reviews);
  // Returns false (and drops the review) when an identical one was added before.
  bool add(Review&& review);

 private:
  // Hashes are computed once per review and kept, so that rehashing the set never reads the
  // review texts again.
  struct Hash {
    const std::vector<std::size_t>* hashes;
    std::size_t operator()(std::size_t index) const { return (*hashes)[index]; }
  };
  static std::size_t hash_review(const Review& review);
  struct Equal {
    const std::vector<Review>* reviews;
    bool operator()(std::size_t a, std::size_t b) const;
  };
  std::vector<Review>& reviews_;
  std::vector<std::size_t> hashes_;
  std::unordered_set<std::size_t, Hash, Equal> seen_;
};

// One user's reviews in time order (ties keep file order).
struct Timeline {
  std::string user;
  std::vector<std::uint32_t> reviews;  // indices into Dataset::reviews
};

// Every user's timeline, users sorted by id.
std::vector<Timeline> build_timelines(const std::vector<Review>& reviews);

}  // namespace reasonrec::data
