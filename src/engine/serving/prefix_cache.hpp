#pragma once

// Internal to the engine (torch): keys and values of earlier prompts, by token sequence, so
// that a prompt starting with the same tokens computes only the rest.

#include <cstddef>
#include <cstdint>
#include <list>
#include <span>
#include <vector>

#include "engine/model/llama.hpp"

namespace reasonrec::engine {

class PrefixCache {
 public:
  struct Match {
    std::int64_t length = 0;         // leading prompt tokens whose keys and values exist
    const KvCache* cache = nullptr;  // one row holding at least `length` of them; valid
                                     // until the next insert or evict
  };

  // The longest cached prefix of `prompt`, at most `limit` tokens; the entry it comes from
  // becomes the most recently used.
  Match longest_prefix(std::span<const std::int32_t> prompt, std::int64_t limit);

  // Stores the keys and values of `tokens` (`cache`: one row, every column valid, exactly
  // tokens.size() columns). Nothing when an entry already covers them; an entry that is a
  // prefix of `tokens` is replaced.
  void insert(std::vector<std::int32_t> tokens, KvCache cache);

  // Drops least recently used entries until at most `bytes` remain; how many it dropped.
  std::size_t evict_to(std::size_t bytes);

  std::size_t bytes() const { return bytes_; }
  std::size_t entries() const { return entries_.size(); }

 private:
  struct Entry {
    std::vector<std::int32_t> tokens;
    KvCache cache;
    std::size_t bytes = 0;
  };
  std::list<Entry> entries_;  // most recently used first
  std::size_t bytes_ = 0;
};

}  // namespace reasonrec::engine
