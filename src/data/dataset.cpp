#include "data/dataset.hpp"

#include <algorithm>
#include <functional>

#include "util/error.hpp"

namespace reasonrec::data {

namespace {

std::size_t mix(std::size_t seed, std::size_t value) {
  return seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

// Fills the empty fields of `into` from `from`.
void merge_meta(ItemMeta& into, ItemMeta&& from) {
  if (into.title.empty()) into.title = std::move(from.title);
  if (into.brand.empty()) into.brand = std::move(from.brand);
  if (into.categories.empty()) into.categories = std::move(from.categories);
  if (into.description.empty()) into.description = std::move(from.description);
  if (into.price.empty()) into.price = std::move(from.price);
}

}  // namespace

std::uint64_t ReviewDeduplicator::hash_review(const Review& r) {
  const std::hash<std::string_view> h;
  std::size_t seed = h(r.user);
  seed = mix(seed, h(r.item));
  // The text is compared on a hash match but not hashed: (user, item, time) almost never
  // repeats with another text, and hashing a gigabyte of review text costs more than the rest.
  return mix(seed, std::hash<std::int64_t>()(r.time));
}

bool ReviewDeduplicator::same(const Review& x, const Review& y) const {
  return x.time == y.time && x.user == y.user && x.item == y.item && x.text == y.text;
}

ReviewDeduplicator::ReviewDeduplicator(std::vector<Review>& reviews) : reviews_(reviews) {
  slots_.assign(1024, 0);
  std::vector<Review> existing = std::move(reviews_);
  reviews_.clear();
  for (auto& r : existing) add(std::move(r));
}

bool ReviewDeduplicator::insert_index(std::uint32_t index) {
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hashes_[index] & mask;; i = (i + 1) & mask) {
    const std::uint32_t slot = slots_[i];
    if (slot == 0) {
      slots_[i] = index + 1;
      ++used_;
      return true;
    }
    if (hashes_[slot - 1] == hashes_[index] && same(reviews_[slot - 1], reviews_[index])) {
      return false;
    }
  }
}

void ReviewDeduplicator::grow() {
  slots_.assign(slots_.size() * 2, 0);
  used_ = 0;
  for (std::uint32_t i = 0; i < reviews_.size(); ++i) insert_index(i);
}

bool ReviewDeduplicator::add(Review&& review) {
  if (reviews_.size() >= UINT32_MAX - 1) throw Error("more than 4 billion reviews");
  if ((used_ + 1) * 2 > slots_.size()) grow();
  hashes_.push_back(hash_review(review));
  reviews_.push_back(std::move(review));
  if (!insert_index(static_cast<std::uint32_t>(reviews_.size() - 1))) {
    reviews_.pop_back();
    hashes_.pop_back();
    return false;
  }
  return true;
}

Dataset load_dataset(const std::vector<std::string>& review_files,
                     const std::vector<std::string>& meta_files, const LoadOptions& options) {
  Dataset dataset;
  ReviewDeduplicator dedup(dataset.reviews);
  for (const auto& path : review_files) {
    const SourceFormat format = detect_format(path);
    if (kind_of(format) != SourceKind::Reviews) {
      throw InputError(path, 0,
                       std::string("given as reviews but holds ") + format_name(format) +
                           " (pass it as metadata)");
    }
    Progress progress({.label = "reading " + path,
                       .total = std::nullopt,
                       .unit = "reviews",
                       .mode = options.progress,
                       .interval = std::chrono::milliseconds(10000)});
    dataset.sources.push_back(read_reviews(path, format, options.bad_input, [&](Review&& review) {
      progress.add();
      if (!dedup.add(std::move(review))) ++dataset.duplicate_reviews;
    }));
  }
  for (const auto& path : meta_files) {
    const SourceFormat format = detect_format(path);
    if (kind_of(format) != SourceKind::Meta) {
      throw InputError(path, 0,
                       std::string("given as metadata but holds ") + format_name(format) +
                           " (pass it as reviews)");
    }
    Progress progress({.label = "reading " + path,
                       .total = std::nullopt,
                       .unit = "items",
                       .mode = options.progress,
                       .interval = std::chrono::milliseconds(10000)});
    dataset.sources.push_back(read_meta(path, format, options.bad_input, [&](RawMeta&& raw) {
      progress.add();
      ItemMeta meta = normalize_meta(raw, dataset.normalize);
      auto [it, inserted] = dataset.meta.try_emplace(meta.item);
      if (inserted) {
        it->second = std::move(meta);
      } else {
        ++dataset.duplicate_meta_lines;
        merge_meta(it->second, std::move(meta));
      }
    }));
  }
  return dataset;
}

std::vector<Timeline> build_timelines(const std::vector<Review>& reviews) {
  std::unordered_map<std::string_view, std::uint32_t> user_index;
  std::vector<Timeline> timelines;
  for (std::uint32_t i = 0; i < reviews.size(); ++i) {
    auto [it, inserted] =
        user_index.try_emplace(reviews[i].user, static_cast<std::uint32_t>(timelines.size()));
    if (inserted) timelines.push_back(Timeline{reviews[i].user, {}});
    timelines[it->second].reviews.push_back(i);
  }
  for (auto& t : timelines) {
    std::stable_sort(t.reviews.begin(), t.reviews.end(), [&](std::uint32_t a, std::uint32_t b) {
      return reviews[a].time < reviews[b].time;
    });
  }
  std::sort(timelines.begin(), timelines.end(),
            [](const Timeline& a, const Timeline& b) { return a.user < b.user; });
  return timelines;
}

}  // namespace reasonrec::data
