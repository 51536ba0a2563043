#include "data/source_format.hpp"

#include "data/line_reader.hpp"
#include "util/error.hpp"

namespace reasonrec::data {

const char* format_name(SourceFormat format) {
  switch (format) {
    case SourceFormat::ReviewsJson:
      return "reviews-json";
    case SourceFormat::RatingsCsv:
      return "ratings-csv";
    case SourceFormat::MetaJson:
      return "meta-json";
    case SourceFormat::MetaPython:
      return "meta-python";
    case SourceFormat::MetaRecBoleItems:
      return "meta-recbole-items";
  }
  return "?";
}

SourceKind kind_of(SourceFormat format) {
  return format == SourceFormat::ReviewsJson || format == SourceFormat::RatingsCsv
             ? SourceKind::Reviews
             : SourceKind::Meta;
}

SourceFormat detect_format_from_line(std::string_view line, const std::string& path) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  if (line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);  // UTF-8 byte-order mark
  const auto has = [&](std::string_view s) { return line.find(s) != std::string_view::npos; };
  if (line.substr(0, 2) == "{'" || line.substr(0, 3) == "{u'" || line.substr(0, 3) == "{u\"") {
    return SourceFormat::MetaPython;
  }
  if (!line.empty() && line.front() == '{') {
    if (has("\"reviewerID\"") || has("\"user_id\"") || has("\"overall\"")) {
      return SourceFormat::ReviewsJson;
    }
    if (has("\"asin\"") || has("\"parent_asin\"")) return SourceFormat::MetaJson;
    throw InputError(path, 1,
                     "JSON lines with neither review fields (reviewerID/user_id) nor an item id "
                     "(asin/parent_asin)");
  }
  if (has("item_id:token")) return SourceFormat::MetaRecBoleItems;
  if (has(",") && has("rating") && (has("user_id") || has("userId"))) {
    return SourceFormat::RatingsCsv;
  }
  throw InputError(path, 1, "unrecognised format (expected Amazon review or metadata lines)");
}

SourceFormat detect_format(const std::string& path) {
  LineReader reader(path, 1u << 20);
  Line line;
  while (reader.next(line)) {
    if (line.text.find_first_not_of(" \t") == std::string_view::npos) continue;
    return detect_format_from_line(line.text, path);
  }
  throw InputError(path, 0, "file is empty");
}

}  // namespace reasonrec::data
