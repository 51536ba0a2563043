#pragma once

#include <string>

#include "data/example.hpp"

namespace reasonrec::prompt::test {

// A realistic BEAUTY example: three past items, every metadata field filled in.
inline data::Example beauty_example() {
  data::Example e;
  e.id = "A2XVJBSRI3SWDI/B0009RF9DW/1398211200";
  e.split = "test";
  e.user = "A2XVJBSRI3SWDI";
  e.rating = 4;
  e.time = 1398211200;
  e.target.has_meta = true;
  e.target.meta = {"B0009RF9DW",
                   "Bath & Body Works Warm Vanilla Sugar Body Cream 8 oz",
                   "Bath & Body Works",
                   {"Beauty", "Skin Care", "Body", "Moisturizers", "Creams"},
                   "Indulge in the warm, sweet scent of vanilla with a rich cream that "
                   "softens and conditions dry skin.",
                   "$14.50"};
  e.review = "Smells nice but a little greasy.";
  e.summary = "Nice scent";
  const struct {
    const char* item;
    const char* title;
    const char* brand;
    const char* description;
    const char* price;
    int rating;
    const char* review;
  } past[] = {
      {"B00021DJ32", "Burt's Bees Beeswax Lip Balm", "Burt's Bees",
       "A classic beeswax lip balm with vitamin E and peppermint oil.", "$2.99", 5,
       "My favourite lip balm, I always keep two in my bag."},
      {"B000GCJRAS", "Neutrogena Hand Cream, Norwegian Formula", "Neutrogena",
       "Concentrated hand cream for dry, chapped hands; a small amount works.", "$4.47", 3,
       "Works, but the smell is too medicinal for me."},
      {"B0012Y0ZG2", "Philosophy Pure Grace Body Lotion", "philosophy",
       "A light body lotion with the clean scent of soap and water.", "$24.00", 5,
       "Light, absorbs fast and the scent lasts all day. Love it!"},
  };
  std::int64_t t = 1300000000;
  for (const auto& p : past) {
    data::HistoryEntry h;
    h.item.has_meta = true;
    h.item.meta = {p.item, p.title, p.brand, {"Beauty", "Skin Care"}, p.description, p.price};
    h.rating = p.rating;
    h.review = p.review;
    h.time = t;
    t += 86400 * 30;
    e.history.push_back(h);
  }
  return e;
}

}  // namespace reasonrec::prompt::test
