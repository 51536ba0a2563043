#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace reasonrec::baselines {

// One observed rating: the plain (user, item, rating, time) table collaborative filtering
// learns from. Ratings are real numbers so half-star scales (MovieLens) fit too.
struct Rating {
  std::string user;
  std::string item;
  double rating = 0.0;
  std::int64_t time = 0;
};

// Column names of a ratings CSV. Empty names are detected from the header: user from
// user/userId/user_id/reviewerID, item from item/movieId/item_id/asin/parent_asin, rating from
// rating/overall, time (optional) from timestamp/time/unixReviewTime.
struct RatingsCsvColumns {
  std::string user;
  std::string item;
  std::string rating;
  std::string time;
};

// Reads a comma-separated ratings table with a header row (MovieLens ratings.csv, Amazon 2023
// rating-only CSVs). Quoted fields ("a,b", "say ""hi""") are understood. Throws InputError
// naming the file, line and column on a missing column, a short row, or a rating or time that is
// not a number.
std::vector<Rating> read_ratings_csv(const std::string& path,
                                     const RatingsCsvColumns& columns = {});

// Splits one CSV line into fields (RFC 4180 quoting, no embedded newlines). Returns false on an
// unterminated quote.
bool split_csv_line(const std::string& line, std::vector<std::string>& fields);

// A seeded random split of a ratings table: the round(test_fraction * n) ratings that come first
// in a seeded shuffle go to test, the rest to train. Both parts keep the input order.
struct RatingsSplit {
  std::vector<Rating> train;
  std::vector<Rating> test;
};
RatingsSplit split_ratings(const std::vector<Rating>& ratings, double test_fraction,
                           std::uint64_t seed);

}  // namespace reasonrec::baselines
