#include "data/catalog.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "util/error.hpp"

namespace reasonrec::data {

namespace {

// Known checksums of official files. Each was taken from a copy in ../shared/data whose
// SOURCE.md records it as the official file and whose gzip header (embedded file name, mtime
// from the release period, writer OS) shows it was never re-compressed. The shared
// All_Beauty_5.json.gz is deliberately absent: its gzip header says it was re-compressed with
// gzip -9 on 2025-01-17, so its bytes are not those of the official file.
const std::map<std::string, std::string>& known_checksums() {
  static const std::map<std::string, std::string> table = {
      {"2014/Musical_Instruments/5core",
       "03f9cc27ae13a454cb4ea6cb620fb10546cc1194ef921441d1c5f34addff2748"},
      {"2018/Magazine_Subscriptions/5core",
       "95c124603d62d6acdfd1bd62284934fb6c513db836ea64c2e8176c14256426f2"},
      {"2018/Magazine_Subscriptions/meta",
       "4e64f9028648dee43200a4bd3e7b8c497ffd80ea52018e8f994a5fbd5d97faf6"},
  };
  return table;
}

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Relative path and description of one file, following each release's official layout.
CatalogFile make_file(const std::string& release, const std::string& category, FileKind kind) {
  CatalogFile file;
  file.release = release;
  file.category = category;
  file.kind = kind;
  if (release == "2014") {
    // Amazon product data 2014 (McAuley et al.): amazon/categoryFiles/.
    switch (kind) {
      case FileKind::FiveCore:
        file.path = "amazon/categoryFiles/reviews_" + category + "_5.json.gz";
        file.format = "reviews, 5-core (JSON lines)";
        break;
      case FileKind::Full:
        file.path = "amazon/categoryFiles/reviews_" + category + ".json.gz";
        file.format = "reviews, all (JSON lines)";
        break;
      case FileKind::Meta:
        file.path = "amazon/categoryFiles/meta_" + category + ".json.gz";
        file.format = "item metadata (Python dict literal per line)";
        break;
    }
  } else if (release == "2018") {
    // Amazon Review Data 2018 (Ni et al.): amazon_v2/; metaFiles2 is the corrected metadata.
    switch (kind) {
      case FileKind::FiveCore:
        file.path = "amazon_v2/categoryFilesSmall/" + category + "_5.json.gz";
        file.format = "reviews, 5-core (JSON lines)";
        break;
      case FileKind::Full:
        file.path = "amazon_v2/categoryFiles/" + category + ".json.gz";
        file.format = "reviews, all (JSON lines)";
        break;
      case FileKind::Meta:
        file.path = "amazon_v2/metaFiles2/meta_" + category + ".json.gz";
        file.format = "item metadata (JSON lines)";
        break;
    }
  } else {
    // Amazon Reviews 2023 (Hou et al.): amazon_2023/raw and the benchmark files.
    switch (kind) {
      case FileKind::FiveCore:
        file.path = "amazon_2023/benchmark/5core/rating_only/" + category + ".csv.gz";
        file.format = "ratings only, 5-core (CSV user_id,parent_asin,rating,timestamp; no text)";
        break;
      case FileKind::Full:
        file.path = "amazon_2023/raw/review_categories/" + category + ".jsonl.gz";
        file.format = "reviews, all (JSON lines)";
        break;
      case FileKind::Meta:
        file.path = "amazon_2023/raw/meta_categories/meta_" + category + ".jsonl.gz";
        file.format = "item metadata (JSON lines)";
        break;
    }
  }
  const auto known = known_checksums().find(file.domain() + "/" + std::string(to_string(kind)));
  if (known != known_checksums().end()) file.sha256 = known->second;
  return file;
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

}  // namespace

std::string_view to_string(FileKind kind) {
  switch (kind) {
    case FileKind::FiveCore:
      return "5core";
    case FileKind::Full:
      return "full";
    case FileKind::Meta:
      return "meta";
  }
  return "?";
}

std::optional<FileKind> parse_file_kind(std::string_view text) {
  const std::string lower = lowercase(text);
  if (lower == "5core" || lower == "5-core") return FileKind::FiveCore;
  if (lower == "full" || lower == "reviews") return FileKind::Full;
  if (lower == "meta" || lower == "metadata") return FileKind::Meta;
  return std::nullopt;
}

std::string CatalogFile::file_name() const {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string CatalogFile::url(std::string_view base_url) const {
  return normalize_base_url(base_url) + "/" + path;
}

const std::vector<Release>& releases() {
  // Category names exactly as in the official file names of each release.
  static const std::vector<Release> table = {
      {"2014",
       "Amazon product data 2014 (McAuley, Targett, Shi, van den Hengel, SIGIR 2015; He, "
       "McAuley, WWW 2016)",
       {"Amazon_Instant_Video",
        "Apps_for_Android",
        "Automotive",
        "Baby",
        "Beauty",
        "Books",
        "CDs_and_Vinyl",
        "Cell_Phones_and_Accessories",
        "Clothing_Shoes_and_Jewelry",
        "Digital_Music",
        "Electronics",
        "Grocery_and_Gourmet_Food",
        "Health_and_Personal_Care",
        "Home_and_Kitchen",
        "Kindle_Store",
        "Movies_and_TV",
        "Musical_Instruments",
        "Office_Products",
        "Patio_Lawn_and_Garden",
        "Pet_Supplies",
        "Sports_and_Outdoors",
        "Tools_and_Home_Improvement",
        "Toys_and_Games",
        "Video_Games"}},
      {"2018",
       "Amazon Review Data 2018 (Ni, Li, McAuley, EMNLP 2019)",
       {"AMAZON_FASHION",
        "All_Beauty",
        "Appliances",
        "Arts_Crafts_and_Sewing",
        "Automotive",
        "Books",
        "CDs_and_Vinyl",
        "Cell_Phones_and_Accessories",
        "Clothing_Shoes_and_Jewelry",
        "Digital_Music",
        "Electronics",
        "Gift_Cards",
        "Grocery_and_Gourmet_Food",
        "Home_and_Kitchen",
        "Industrial_and_Scientific",
        "Kindle_Store",
        "Luxury_Beauty",
        "Magazine_Subscriptions",
        "Movies_and_TV",
        "Musical_Instruments",
        "Office_Products",
        "Patio_Lawn_and_Garden",
        "Pet_Supplies",
        "Prime_Pantry",
        "Software",
        "Sports_and_Outdoors",
        "Tools_and_Home_Improvement",
        "Toys_and_Games",
        "Video_Games"}},
      {"2023",
       "Amazon Reviews 2023 (Hou, Li, He, Yan, Chen, McAuley, 2024)",
       {"All_Beauty",
        "Amazon_Fashion",
        "Appliances",
        "Arts_Crafts_and_Sewing",
        "Automotive",
        "Baby_Products",
        "Beauty_and_Personal_Care",
        "Books",
        "CDs_and_Vinyl",
        "Cell_Phones_and_Accessories",
        "Clothing_Shoes_and_Jewelry",
        "Digital_Music",
        "Electronics",
        "Gift_Cards",
        "Grocery_and_Gourmet_Food",
        "Handmade_Products",
        "Health_and_Household",
        "Health_and_Personal_Care",
        "Home_and_Kitchen",
        "Industrial_and_Scientific",
        "Kindle_Store",
        "Magazine_Subscriptions",
        "Movies_and_TV",
        "Musical_Instruments",
        "Office_Products",
        "Patio_Lawn_and_Garden",
        "Pet_Supplies",
        "Software",
        "Sports_and_Outdoors",
        "Subscription_Boxes",
        "Tools_and_Home_Improvement",
        "Toys_and_Games",
        "Video_Games",
        "Unknown"}},
  };
  return table;
}

std::vector<CatalogFile> catalog_files() {
  std::vector<CatalogFile> files;
  for (const auto& release : releases()) {
    for (const auto& category : release.categories) {
      for (const FileKind kind : {FileKind::FiveCore, FileKind::Full, FileKind::Meta}) {
        files.push_back(make_file(release.name, category, kind));
      }
    }
  }
  return files;
}

CatalogFile find_catalog_file(std::string_view domain, FileKind kind) {
  const auto slash = domain.find('/');
  std::vector<std::string> release_names;
  for (const auto& release : releases()) release_names.push_back(release.name);
  if (slash == std::string_view::npos) {
    throw UsageError("domain '" + std::string(domain) +
                     "': expected RELEASE/CATEGORY such as 2018/All_Beauty (releases: " +
                     join(release_names, ", ") + "; see `reasonrec data fetch --list`)");
  }
  const std::string release_name(domain.substr(0, slash));
  const std::string category = lowercase(domain.substr(slash + 1));
  for (const auto& release : releases()) {
    if (release.name != release_name) continue;
    for (const auto& official : release.categories) {
      if (lowercase(official) == category) return make_file(release.name, official, kind);
    }
    throw UsageError("domain '" + std::string(domain) + "': release " + release.name +
                     " has no category '" + std::string(domain.substr(slash + 1)) +
                     "'; its categories are: " + join(release.categories, ", "));
  }
  throw UsageError("domain '" + std::string(domain) + "': unknown release '" + release_name +
                   "' (releases: " + join(release_names, ", ") + ")");
}

std::string normalize_base_url(std::string_view base_url) {
  std::string url(base_url);
  while (!url.empty() && url.back() == '/') url.pop_back();
  const std::string lower = lowercase(url);
  const bool http = lower.rfind("http://", 0) == 0 && lower.size() > 7;
  const bool https = lower.rfind("https://", 0) == 0 && lower.size() > 8;
  if (!http && !https) {
    throw UsageError("base URL '" + std::string(base_url) +
                     "': expected an http:// or https:// URL");
  }
  return url;
}

}  // namespace reasonrec::data
