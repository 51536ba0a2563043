#include "data/readers.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "data/item_text.hpp"
#include "data/line_reader.hpp"
#include "data/python_literal.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace reasonrec::data {

namespace sj = simdjson::ondemand;

namespace {

// A record that could not be used: `reason` is the counting category, `detail` the message.
struct Bad {
  std::string reason;
  std::string detail;
};

// Applies the bad-input policy for one file.
class BadLines {
 public:
  BadLines(const std::string& path, const BadInputPolicy& policy, SourceReport& report)
      : path_(path), policy_(policy), report_(report) {}

  void handle(std::size_t line, const Bad& bad) {
    if (!policy_.skip) throw InputError(path_, line, bad.detail);
    report_.skipped.add(bad.reason, InputError(path_, line, bad.detail).what());
  }

  // A corrupt or truncated compressed stream ends the file: count it once, or rethrow.
  void handle_stream_error(const InputError& error) {
    if (!policy_.skip) throw error;
    report_.skipped.add("truncated or corrupt compressed data", error.what());
  }

 private:
  const std::string& path_;
  const BadInputPolicy& policy_;
  SourceReport& report_;
};

bool blank(std::string_view text) {
  return text.find_first_not_of(" \t") == std::string_view::npos;
}

// ---- reviews, JSON lines (2014 / 2018 / 2023 field names) ----

enum class ReviewField {
  None,
  User,
  Item,
  ParentItem,
  Rating,
  TimeSeconds,
  TimeMillis,
  Text,
  Summary
};

ReviewField review_field(std::string_view key) {
  if (key == "reviewerID" || key == "user_id") return ReviewField::User;
  if (key == "asin") return ReviewField::Item;
  if (key == "parent_asin") return ReviewField::ParentItem;
  if (key == "overall" || key == "rating") return ReviewField::Rating;
  if (key == "unixReviewTime") return ReviewField::TimeSeconds;
  if (key == "timestamp") return ReviewField::TimeMillis;
  if (key == "reviewText" || key == "text") return ReviewField::Text;
  if (key == "summary" || key == "title") return ReviewField::Summary;
  return ReviewField::None;
}

Bad json_error(simdjson::error_code error) {
  if (error == simdjson::UTF8_ERROR) return {"invalid UTF-8", "invalid UTF-8 in the line"};
  return {"malformed JSON", std::string("malformed JSON: ") + simdjson::error_message(error)};
}

Bad wrong_type(std::string_view key, const char* expected) {
  return {"wrong type", "field '" + std::string(key) + "': expected " + expected};
}

std::optional<Bad> read_string(sj::value& value, std::string_view key, std::string& out) {
  sj::json_type type;
  if (auto error = value.type().get(type)) return json_error(error);
  if (type == sj::json_type::null) {
    out.clear();
    return std::nullopt;
  }
  if (type != sj::json_type::string) return wrong_type(key, "a string");
  std::string_view text;
  if (auto error = value.get_string().get(text)) return json_error(error);
  out.assign(text);
  return std::nullopt;
}

std::optional<Bad> read_number(sj::value& value, std::string_view key, double& out) {
  sj::json_type type;
  if (auto error = value.type().get(type)) return json_error(error);
  if (type != sj::json_type::number) return wrong_type(key, "a number");
  if (auto error = value.get_double().get(out)) return json_error(error);
  return std::nullopt;
}

std::optional<Bad> parse_review_line(sj::parser& parser, const Line& line, Review& review) {
  sj::document doc;
  if (auto error = parser.iterate(line.text.data(), line.text.size(), line.readable).get(doc)) {
    return json_error(error);
  }
  sj::object object;
  if (auto error = doc.get_object().get(object)) {
    return error == simdjson::INCORRECT_TYPE ? Bad{"malformed JSON", "expected a JSON object"}
                                             : json_error(error);
  }
  bool has_user = false, has_item = false, has_parent = false, has_rating = false, has_time = false;
  std::string parent_item;
  double rating = 0, time = 0;
  bool time_in_millis = false;
  review.text.clear();
  review.summary.clear();
  for (auto field : object) {
    std::string_view key;
    if (auto error = field.unescaped_key().get(key)) return json_error(error);
    const ReviewField which = review_field(key);
    if (which == ReviewField::None) continue;
    sj::value value;
    if (auto error = field.value().get(value)) return json_error(error);
    std::optional<Bad> bad;
    switch (which) {
      case ReviewField::User:
        bad = read_string(value, key, review.user);
        has_user = true;
        break;
      case ReviewField::Item:
        bad = read_string(value, key, review.item);
        has_item = true;
        break;
      case ReviewField::ParentItem:
        bad = read_string(value, key, parent_item);
        has_parent = true;
        break;
      case ReviewField::Rating:
        bad = read_number(value, key, rating);
        has_rating = true;
        break;
      case ReviewField::TimeSeconds:
      case ReviewField::TimeMillis:
        bad = read_number(value, key, time);
        time_in_millis = which == ReviewField::TimeMillis;
        has_time = true;
        break;
      case ReviewField::Text:
        bad = read_string(value, key, review.text);
        break;
      case ReviewField::Summary:
        bad = read_string(value, key, review.summary);
        break;
      case ReviewField::None:
        break;
    }
    if (bad) return bad;
  }
  // 2023 files join reviews to metadata through parent_asin.
  if (has_parent && !parent_item.empty()) {
    review.item = std::move(parent_item);
    has_item = true;
  }
  if (!has_user || review.user.empty()) {
    return Bad{"missing field", "missing field 'reviewerID' (or 'user_id')"};
  }
  if (!has_item || review.item.empty()) {
    return Bad{"missing field", "missing field 'asin' (or 'parent_asin')"};
  }
  if (!has_rating) return Bad{"missing field", "missing field 'overall' (or 'rating')"};
  if (!has_time) return Bad{"missing field", "missing field 'unixReviewTime' (or 'timestamp')"};
  if (!(rating >= 1 && rating <= 5) || rating != std::floor(rating)) {
    return Bad{"rating out of range",
               "rating must be a whole number 1..5, got " + std::to_string(rating)};
  }
  review.rating = static_cast<int>(rating);
  review.time = static_cast<std::int64_t>(time_in_millis ? std::floor(time / 1000.0) : time);
  return std::nullopt;
}

// ---- CSV / TSV ----

std::vector<std::string_view> split_fields(std::string_view line, char sep) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = line.find(sep, start);
    fields.push_back(line.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return fields;
}

// Splits a record whose fields may be double-quoted (holding separators, newlines, "" escapes).
std::vector<std::string> split_quoted(std::string_view record, char sep) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < record.size(); ++i) {
    const char c = record[i];
    if (quoted) {
      if (c == '"' && i + 1 < record.size() && record[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"' && fields.back().empty()) {
      quoted = true;
    } else if (c == sep) {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::string unquote(std::string_view field) {
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
    std::string out;
    for (std::size_t i = 1; i + 1 < field.size(); ++i) {
      if (field[i] == '"' && i + 2 < field.size() && field[i + 1] == '"') ++i;
      out.push_back(field[i]);
    }
    return out;
  }
  return std::string(field);
}

int column(const std::vector<std::string_view>& header,
           std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == name) return static_cast<int>(i);
    }
  }
  return -1;
}

std::optional<double> parse_double(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// ---- metadata (JSON and Python literal, through one JSON value) ----

void append_strings(const nlohmann::json& value, std::vector<std::string>& out, int depth = 0) {
  if (value.is_string()) {
    out.push_back(value.get<std::string>());
  } else if (value.is_array() && depth < 3) {
    for (const auto& v : value) append_strings(v, out, depth + 1);
  }
}

std::optional<Bad> meta_from_json(const nlohmann::json& j, RawMeta& meta) {
  if (!j.is_object()) return Bad{"wrong type", "expected an object (one item per line)"};
  const auto string_field = [&](const char* key, std::string& out) -> std::optional<Bad> {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) return wrong_type(key, "a string");
    out = it->get<std::string>();
    return std::nullopt;
  };
  const auto list_field = [&](const char* key,
                              std::vector<std::string>& out) -> std::optional<Bad> {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string() && !it->is_array()) return wrong_type(key, "a string or a list");
    append_strings(*it, out);
    return std::nullopt;
  };
  std::string parent;
  if (auto bad = string_field("asin", meta.item)) return bad;
  if (auto bad = string_field("parent_asin", parent)) return bad;
  if (!parent.empty()) meta.item = std::move(parent);
  if (meta.item.empty()) return Bad{"missing field", "missing field 'asin' (or 'parent_asin')"};
  if (auto bad = string_field("title", meta.title)) return bad;
  if (auto bad = string_field("brand", meta.brand)) return bad;
  if (meta.brand.empty()) {
    if (auto bad = string_field("store", meta.brand)) return bad;
  }
  for (const char* key : {"categories", "category"}) {
    if (auto bad = list_field(key, meta.categories)) return bad;
  }
  if (meta.categories.empty()) {
    for (const char* key : {"main_category", "main_cat"}) {
      if (auto bad = list_field(key, meta.categories)) return bad;
    }
  }
  if (auto bad = list_field("description", meta.description)) return bad;
  for (const char* key : {"feature", "features"}) {
    if (auto bad = list_field(key, meta.features)) return bad;
  }
  if (const auto it = j.find("price"); it != j.end() && !it->is_null()) {
    if (it->is_number()) {
      meta.price = format_price(it->get<double>());
    } else if (it->is_string()) {
      meta.price = it->get<std::string>();
    } else {
      return wrong_type("price", "a number or a string");
    }
  }
  return std::nullopt;
}

// A parse_line result meaning "the record continues on the next line" (quoted newlines).
const Bad kContinued{"", ""};

// Feeds each non-blank line to parse_line; with `header`, the first one goes there instead.
// `at_end`, when given, reports a record left open at the end of the file.
template <typename ParseLine>
SourceReport read_lines(const std::string& path, SourceFormat format, const BadInputPolicy& policy,
                        const std::function<void(const Line&)>& header, ParseLine&& parse_line,
                        const std::function<std::optional<Bad>(std::size_t&)>& at_end = nullptr) {
  SourceReport report;
  report.path = path;
  report.format = format;
  BadLines bad_lines(path, policy, report);
  LineReader reader(path, std::size_t{8} << 20, policy.max_record_bytes);
  report.compression = compression_name(reader.compression());
  Line line;
  bool want_header = static_cast<bool>(header);
  try {
    while (reader.next(line)) {
      if (line.oversized > 0) {
        ++report.lines;
        bad_lines.handle(line.number,
                         Bad{"record too large",
                             fmt::format("a record of {} bytes exceeds the maximum record size of "
                                         "{} bytes (--max-record-mib)",
                                         line.oversized, policy.max_record_bytes)});
        continue;
      }
      if (blank(line.text)) continue;
      if (want_header) {
        header(line);
        want_header = false;
        continue;
      }
      ++report.lines;
      if (auto bad = parse_line(line)) {
        if (bad->reason.empty()) continue;  // kContinued
        bad_lines.handle(line.number, *bad);
      } else {
        ++report.records;
      }
    }
    std::size_t open_line = 0;
    if (at_end) {
      if (auto bad = at_end(open_line)) bad_lines.handle(open_line, *bad);
    }
  } catch (const StreamError& error) {
    bad_lines.handle_stream_error(error);
  }
  return report;
}

}  // namespace

SourceReport read_reviews(const std::string& path, SourceFormat format,
                          const BadInputPolicy& policy, const std::function<void(Review&&)>& sink) {
  if (format == SourceFormat::ReviewsJson) {
    sj::parser parser;
    Review review;
    return read_lines(path, format, policy, nullptr, [&](const Line& line) -> std::optional<Bad> {
      if (auto bad = parse_review_line(parser, line, review)) return bad;
      sink(std::move(review));
      review = Review{};
      return std::nullopt;
    });
  }
  if (format != SourceFormat::RatingsCsv) {
    throw InputError(path, 0,
                     std::string("not a review file (detected ") + format_name(format) + ")");
  }
  std::vector<std::string_view> header;
  std::string header_text;
  int user_col = -1, item_col = -1, rating_col = -1, time_col = -1;
  const auto read_header = [&](const Line& line) {
    header_text.assign(line.text);
    header = split_fields(header_text, ',');
    user_col = column(header, {"user_id", "userId", "reviewerID"});
    item_col = column(header, {"parent_asin", "asin", "item_id", "movieId"});
    rating_col = column(header, {"rating", "overall"});
    time_col = column(header, {"timestamp", "unixReviewTime"});
    if (user_col < 0 || item_col < 0 || rating_col < 0 || time_col < 0) {
      throw InputError(path, line.number,
                       "CSV header must name user_id, parent_asin, rating and timestamp columns");
    }
  };
  return read_lines(path, format, policy, read_header, [&](const Line& line) -> std::optional<Bad> {
    if (!utf8::is_valid(line.text)) return Bad{"invalid UTF-8", "invalid UTF-8 in the line"};
    const auto fields = split_fields(line.text, ',');
    if (fields.size() != header.size()) {
      return Bad{"malformed CSV row", "expected " + std::to_string(header.size()) +
                                          " comma-separated fields, got " +
                                          std::to_string(fields.size())};
    }
    Review review;
    review.user = unquote(fields[static_cast<std::size_t>(user_col)]);
    review.item = unquote(fields[static_cast<std::size_t>(item_col)]);
    const auto rating = parse_double(fields[static_cast<std::size_t>(rating_col)]);
    const auto time = parse_double(fields[static_cast<std::size_t>(time_col)]);
    if (review.user.empty() || review.item.empty()) {
      return Bad{"missing field", "empty user or item id"};
    }
    if (!rating) return wrong_type("rating", "a number");
    if (!time) return wrong_type("timestamp", "a number");
    if (!(*rating >= 1 && *rating <= 5) || *rating != std::floor(*rating)) {
      return Bad{"rating out of range", "rating must be a whole number 1..5"};
    }
    review.rating = static_cast<int>(*rating);
    // The 2023 benchmark CSVs count milliseconds; anything past year 5138 in seconds is ms.
    review.time = static_cast<std::int64_t>(*time > 1e11 ? std::floor(*time / 1000.0) : *time);
    sink(std::move(review));
    return std::nullopt;
  });
}

SourceReport read_meta(const std::string& path, SourceFormat format, const BadInputPolicy& policy,
                       const std::function<void(RawMeta&&)>& sink) {
  if (format == SourceFormat::MetaJson || format == SourceFormat::MetaPython) {
    const bool python = format == SourceFormat::MetaPython;
    return read_lines(path, format, policy, nullptr, [&](const Line& line) -> std::optional<Bad> {
      if (!utf8::is_valid(line.text)) return Bad{"invalid UTF-8", "invalid UTF-8 in the line"};
      nlohmann::json j;
      if (python) {
        try {
          j = parse_python_literal(line.text);
        } catch (const PythonLiteralError& e) {
          return Bad{"malformed Python literal",
                     std::string("malformed Python literal ") + e.what()};
        }
      } else {
        j = nlohmann::json::parse(line.text, nullptr, false);
        if (j.is_discarded()) return Bad{"malformed JSON", "malformed JSON"};
      }
      RawMeta meta;
      if (auto bad = meta_from_json(j, meta)) return bad;
      sink(std::move(meta));
      return std::nullopt;
    });
  }
  if (format != SourceFormat::MetaRecBoleItems) {
    throw InputError(path, 0,
                     std::string("not a metadata file (detected ") + format_name(format) + ")");
  }
  std::string header_text;
  std::vector<std::string_view> header;
  int item_col = -1, title_col = -1, cat_col = -1, price_col = -1, brand_col = -1;
  const auto read_header = [&](const Line& line) {
    header_text.assign(line.text);
    header = split_fields(header_text, '\t');
    item_col = column(header, {"item_id:token"});
    title_col = column(header, {"title:token", "title:token_seq"});
    cat_col = column(header, {"categories:token_seq"});
    price_col = column(header, {"price:float"});
    brand_col = column(header, {"brand:token"});
    if (item_col < 0) throw InputError(path, line.number, "RecBole header has no item_id:token");
  };
  // Quoted fields may hold tabs and newlines (RecBole writes titles like "a<TAB>b" and
  // "line<LF>break"), so a record is assembled until its quotes balance.
  std::string record;
  std::size_t record_line = 0;
  std::size_t quotes = 0;
  const auto at_end = [&](std::size_t& line_number) -> std::optional<Bad> {
    if (record.empty()) return std::nullopt;
    line_number = record_line;
    return Bad{"malformed TSV row", "unterminated quoted field"};
  };
  return read_lines(
      path, format, policy, read_header,
      [&](const Line& line) -> std::optional<Bad> {
        if (!utf8::is_valid(line.text)) return Bad{"invalid UTF-8", "invalid UTF-8 in the line"};
        if (record.empty()) record_line = line.number;
        if (!record.empty()) record.push_back('\n');
        record.append(line.text);
        quotes += static_cast<std::size_t>(std::count(line.text.begin(), line.text.end(), '"'));
        if (quotes % 2 == 1) {
          if (line.number - record_line < 100) return kContinued;
          record.clear();
          quotes = 0;
          return Bad{"malformed TSV row", "unterminated quoted field"};
        }
        const std::vector<std::string> fields = split_quoted(record, '\t');
        record.clear();
        quotes = 0;
        if (fields.size() != header.size()) {
          return Bad{"malformed TSV row", "expected " + std::to_string(header.size()) +
                                              " tab-separated fields, got " +
                                              std::to_string(fields.size())};
        }
        const auto at = [&](int col) {
          return col < 0 ? std::string() : std::string(fields[static_cast<std::size_t>(col)]);
        };
        RawMeta meta;
        meta.item = at(item_col);
        if (meta.item.empty()) return Bad{"missing field", "empty item_id"};
        meta.title = at(title_col);
        meta.brand = at(brand_col);
        if (const auto price = parse_double(at(price_col))) meta.price = format_price(*price);
        // token_seq of quoted names: 'Beauty', 'Makeup', 'Face' (a Python list without brackets).
        const std::string cats = at(cat_col);
        if (!cats.empty()) {
          try {
            append_strings(parse_python_literal("[" + cats + "]"), meta.categories);
          } catch (const PythonLiteralError&) {
            for (auto part : split_fields(cats, ',')) {
              while (!part.empty() && (part.front() == ' ' || part.front() == '\''))
                part.remove_prefix(1);
              while (!part.empty() && (part.back() == ' ' || part.back() == '\''))
                part.remove_suffix(1);
              if (!part.empty()) meta.categories.emplace_back(part);
            }
          }
        }
        sink(std::move(meta));
        return std::nullopt;
      },
      at_end);
}

ItemMeta normalize_meta(const RawMeta& raw, NormalizeStats& stats) {
  ItemMeta meta;
  meta.item = raw.item;
  meta.title = clean_text(raw.title);
  if (meta.title.empty() && !raw.title.empty()) ++stats.junk_titles;
  meta.brand = clean_text(raw.brand);
  std::vector<std::string> seen;
  for (const auto& c : raw.categories) {
    std::string cleaned = clean_text(c);
    if (cleaned.empty()) continue;
    if (std::find(seen.begin(), seen.end(), cleaned) == seen.end()) seen.push_back(cleaned);
  }
  meta.categories = std::move(seen);
  meta.description = join_clean(raw.description, " ");
  if (meta.description.empty()) meta.description = join_clean(raw.features, " ");
  meta.price = normalize_price(raw.price);
  if (meta.price.empty() && !raw.price.empty()) ++stats.junk_prices;
  return meta;
}

}  // namespace reasonrec::data
