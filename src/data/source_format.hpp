#pragma once

#include <string>
#include <string_view>

namespace reasonrec::data {

// The layouts reasonrec reads. JSON review lines of 2014, 2018 and 2023 share one reader that
// maps field names (reviewerID/user_id, asin/parent_asin, overall/rating, ...).
enum class SourceFormat {
  ReviewsJson,      // Amazon 2014 / 2018 / 2023 reviews, JSON lines
  RatingsCsv,       // Amazon 2023 rating-only benchmark CSV: user_id,parent_asin,rating,timestamp
  MetaJson,         // Amazon 2018 / 2023 metadata, JSON lines
  MetaPython,       // Amazon 2014 metadata, one Python dict literal per line
  MetaRecBoleItems  // RecBole atomic .item file (tab-separated, typed header)
};

enum class SourceKind { Reviews, Meta };

const char* format_name(SourceFormat format);
SourceKind kind_of(SourceFormat format);

// Decides the layout from the first non-empty line of the (decompressed) file.
// Throws InputError naming the file when nothing matches.
SourceFormat detect_format(const std::string& path);
SourceFormat detect_format_from_line(std::string_view first_line, const std::string& path);

}  // namespace reasonrec::data
