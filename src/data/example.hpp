#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/records.hpp"

namespace reasonrec::data {

// An item as it appears in a prompt: its metadata, and whether any metadata was found.
struct ItemInfo {
  ItemMeta meta;  // meta.item is the item id
  bool has_meta = false;
};

// One past interaction in a user's history (chronological order).
struct HistoryEntry {
  ItemInfo item;
  int rating = 0;
  std::string review;
  std::string summary;
  std::int64_t time = 0;
};

// One rating-prediction example: predict `rating` for `target` from `history`.
// Schema of examples.jsonl: docs/examples-schema.md.
struct Example {
  std::string id;
  std::string split;  // "train" or "test"
  std::string user;
  std::vector<HistoryEntry> history;  // oldest first
  ItemInfo target;
  int rating = 0;         // the true rating, 1..5
  std::int64_t time = 0;  // time of the target review
  std::string review;     // the target review text (never shown in rating prompts)
  std::string summary;
};

}  // namespace reasonrec::data
