#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "data/catalog.hpp"
#include "data/download.hpp"
#include "data/fetch.hpp"

namespace reasonrec::data {

// `reasonrec data fetch`: the catalog files of one domain, each fetched (or found present) in turn.
struct DomainFetchRequest {
  std::string domain;                               // RELEASE/CATEGORY, e.g. 2018/All_Beauty
  std::vector<std::string> kinds{"5core", "meta"};  // 5core, full, meta
  std::string out_dir;                              // empty: data/RELEASE/CATEGORY
  std::string base_url{kDefaultBaseUrl};
  std::string sha256;  // the user's expected checksum; needs exactly one kind
  bool force = false;
  DownloadOptions download;
  // Each file as it finishes; and each file that failed (the others are still fetched).
  std::function<void(const FetchResult&)> on_fetched;
  std::function<void(const std::string& file_name, const std::string& error)> on_failed;
};

struct DomainFetchOutcome {
  std::size_t files = 0;
  std::vector<FetchResult> fetched;
  std::size_t failed = 0;
};

// Throws UsageError for an unknown domain or kind or a misplaced --sha256; a file that fails to
// download or verify is reported through on_failed and counted, not thrown.
DomainFetchOutcome fetch_domain(const DomainFetchRequest& request);

// The catalog as tab-separated lines (domain, kind, url, sha256, contents) under comment lines
// naming each release.
std::string catalog_listing(const std::string& base_url);

}  // namespace reasonrec::data
