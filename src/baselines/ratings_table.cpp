#include "baselines/ratings_table.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <numeric>

#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::baselines {

namespace {

std::size_t find_column(const std::vector<std::string>& header, const std::string& wanted,
                        const std::vector<std::string>& candidates, const std::string& path,
                        const char* role, bool required) {
  const std::vector<std::string> names = wanted.empty() ? candidates : std::vector{wanted};
  for (const auto& name : names) {
    for (std::size_t k = 0; k < header.size(); ++k) {
      if (header[k] == name) return k;
    }
  }
  if (!required) return header.size();
  std::string list;
  for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
  throw InputError(path, 1, std::string("no ") + role + " column (looked for: " + list + ")");
}

double parse_double(const std::string& text, const std::string& path, std::size_t line,
                    const std::string& column) {
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    throw InputError(path, line, "column '" + column + "': expected a number, got '" + text + "'");
  }
  return value;
}

std::int64_t parse_time(const std::string& text, const std::string& path, std::size_t line,
                        const std::string& column) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    throw InputError(path, line,
                     "column '" + column + "': expected an integer time, got '" + text + "'");
  }
  return value;
}

}  // namespace

bool split_csv_line(const std::string& line, std::vector<std::string>& fields) {
  fields.clear();
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c != '"') {
        field += c;
      } else if (i + 1 < line.size() && line[i + 1] == '"') {
        field += '"';
        ++i;
      } else {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(field));
      field.clear();
    } else if (c != '\r' || i + 1 != line.size()) {
      field += c;
    }
  }
  fields.push_back(std::move(field));
  return !quoted;
}

std::vector<Rating> read_ratings_csv(const std::string& path, const RatingsCsvColumns& columns) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "cannot open file");
  std::string text;
  std::vector<std::string> header;
  if (!std::getline(in, text) || !split_csv_line(text, header)) {
    throw InputError(path, 1, "missing or malformed header row");
  }
  const auto user = find_column(header, columns.user, {"user", "userId", "user_id", "reviewerID"},
                                path, "user", true);
  const auto item =
      find_column(header, columns.item, {"item", "movieId", "item_id", "asin", "parent_asin"}, path,
                  "item", true);
  const auto rating =
      find_column(header, columns.rating, {"rating", "overall"}, path, "rating", true);
  const auto time = find_column(header, columns.time, {"timestamp", "time", "unixReviewTime"}, path,
                                "time", !columns.time.empty());
  const std::size_t needed = std::max({user, item, rating, time == header.size() ? 0 : time}) + 1;

  std::vector<Rating> ratings;
  std::vector<std::string> fields;
  std::size_t line = 1;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (!split_csv_line(text, fields)) throw InputError(path, line, "unterminated quoted field");
    if (fields.size() < needed) {
      throw InputError(path, line,
                       "expected " + std::to_string(header.size()) + " fields, got " +
                           std::to_string(fields.size()));
    }
    Rating r;
    r.user = fields[user];
    r.item = fields[item];
    if (r.user.empty()) throw InputError(path, line, "column '" + header[user] + "': empty");
    if (r.item.empty()) throw InputError(path, line, "column '" + header[item] + "': empty");
    r.rating = parse_double(fields[rating], path, line, header[rating]);
    if (time < header.size()) r.time = parse_time(fields[time], path, line, header[time]);
    ratings.push_back(std::move(r));
  }
  return ratings;
}

RatingsSplit split_ratings(const std::vector<Rating>& ratings, double test_fraction,
                           std::uint64_t seed) {
  if (!(test_fraction >= 0.0 && test_fraction <= 1.0)) {
    throw UsageError("test fraction must lie in [0, 1]");
  }
  std::vector<std::size_t> order(ratings.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  Rng rng(derive_seed(seed, "ratings-split"));
  rng.shuffle(order);
  const auto test_count =
      static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(ratings.size())));
  std::vector<bool> in_test(ratings.size(), false);
  for (std::size_t k = 0; k < test_count; ++k) in_test[order[k]] = true;
  RatingsSplit split;
  for (std::size_t i = 0; i < ratings.size(); ++i) {
    (in_test[i] ? split.test : split.train).push_back(ratings[i]);
  }
  return split;
}

}  // namespace reasonrec::baselines
