#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reasonrec::data {

// One user review, whatever the source format (Amazon 2014 / 2018 / 2023, ratings CSV).
struct Review {
  std::string user;
  std::string item;
  int rating = 0;         // 1..5
  std::int64_t time = 0;  // unix seconds
  std::string text;       // review body; empty when the source has none
  std::string summary;    // review title / summary; may be empty
};

// Normalised item description: plain text (entities unescaped, tags stripped, junk dropped),
// list fields joined. Empty strings mean "not known".
struct ItemMeta {
  std::string item;
  std::string title;
  std::string brand;
  std::vector<std::string> categories;
  std::string description;
  std::string price;
};

}  // namespace reasonrec::data
