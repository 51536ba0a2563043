#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::data {

// Which file of a domain: the 5-core subset, every review, or the item metadata.
enum class FileKind { FiveCore, Full, Meta };

std::string_view to_string(FileKind kind);  // "5core", "full", "meta"
std::optional<FileKind> parse_file_kind(std::string_view text);

// One official file of the Amazon review releases.
struct CatalogFile {
  std::string release;   // "2014", "2018", "2023"
  std::string category;  // as spelled in the official file names, e.g. "All_Beauty"
  FileKind kind = FileKind::FiveCore;
  std::string path;                   // relative to the base URL
  std::optional<std::string> sha256;  // of the official file, where we know it
  std::string format;                 // what the file holds, for --list and docs

  std::string domain() const { return release + "/" + category; }
  // The last path component: the name the file is saved under.
  std::string file_name() const;
  std::string url(std::string_view base_url) const;
};

// All official files are served under one host today (McAuley lab, UCSD); --base-url
// replaces it, e.g. with a mirror or a local test server.
inline constexpr std::string_view kDefaultBaseUrl =
    "https://mcauleylab.ucsd.edu/public_datasets/data";

struct Release {
  std::string name;   // "2018"
  std::string title;  // "Amazon Review Data 2018 (Ni, Li, McAuley, EMNLP 2019)"
  std::vector<std::string> categories;
};

const std::vector<Release>& releases();

// Every file of every release, in release and category order.
std::vector<CatalogFile> catalog_files();

// "2018/All_Beauty" (category matched case-insensitively) and a kind. Throws UsageError that
// lists what exists when the release or category is unknown.
CatalogFile find_catalog_file(std::string_view domain, FileKind kind);

// Removes trailing slashes and checks the scheme is http or https; throws UsageError.
std::string normalize_base_url(std::string_view base_url);

}  // namespace reasonrec::data
