#include "engine/serving/prefix_cache.hpp"

#include <algorithm>

namespace reasonrec::engine {
namespace {

std::size_t common_prefix(std::span<const std::int32_t> a, std::span<const std::int32_t> b) {
  const std::size_t n = std::min(a.size(), b.size());
  std::size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

PrefixCache::Match PrefixCache::longest_prefix(std::span<const std::int32_t> prompt,
                                               std::int64_t limit) {
  auto best = entries_.end();
  std::size_t best_length = 0;
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    const std::size_t length = common_prefix(prompt, it->tokens);
    if (length > best_length) {
      best_length = length;
      best = it;
    }
  }
  if (best == entries_.end()) return {};
  entries_.splice(entries_.begin(), entries_, best);
  return {std::min(static_cast<std::int64_t>(best_length), limit), &entries_.front().cache};
}

void PrefixCache::insert(std::vector<std::int32_t> tokens, KvCache cache) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    const std::size_t common = common_prefix(tokens, it->tokens);
    if (common == tokens.size()) {
      entries_.splice(entries_.begin(), entries_, it);  // already covered
      return;
    }
    if (common == it->tokens.size()) {  // a prefix of the new entry: superseded
      bytes_ -= it->bytes;
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  const std::size_t size = cache.bytes();
  entries_.push_front({std::move(tokens), std::move(cache), size});
  bytes_ += size;
}

std::size_t PrefixCache::evict_to(std::size_t bytes) {
  std::size_t dropped = 0;
  while (bytes_ > bytes && !entries_.empty()) {
    bytes_ -= entries_.back().bytes;
    entries_.pop_back();
    ++dropped;
  }
  return dropped;
}

}  // namespace reasonrec::engine
