#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "data/download.hpp"

namespace reasonrec::data {

// Where the checksum a file was checked against came from.
enum class ChecksumSource {
  Catalog,   // the catalog's checksum of the official file
  User,      // --sha256 on the command line
  Manifest,  // SHA256SUMS in the output directory, recorded by an earlier run
  None,      // nothing to check against: the checksum was recorded for later runs
};

std::string_view to_string(ChecksumSource source);

struct FetchRequest {
  std::string url;
  std::filesystem::path directory;  // created if missing; holds SHA256SUMS
  std::string file_name;
  // From the catalog or the user; when absent, SHA256SUMS (if it lists the file) is used.
  std::optional<std::string> expected_sha256;
  ChecksumSource expected_from = ChecksumSource::None;
  // Download again even if the file is present, ignoring the checksum SHA256SUMS recorded
  // (a catalog or user checksum still applies).
  bool force = false;
};

enum class FetchStatus { Downloaded, AlreadyPresent };

struct FetchResult {
  std::filesystem::path path;
  std::string sha256;
  FetchStatus status = FetchStatus::Downloaded;
  ChecksumSource verified_against = ChecksumSource::None;
  DownloadReport download;  // empty when the file was already present
};

// Fetches one file into request.directory: skips the download when the file is present and
// matches its expected checksum; otherwise downloads (resuming DIR/NAME.part), checks the
// SHA-256, and only then renames it into place. A checksum mismatch throws reasonrec::Error
// and leaves the file as NAME.bad, never under NAME. Every verified file is recorded in
// DIR/SHA256SUMS.
FetchResult fetch_file(const FetchRequest& request, const DownloadOptions& options);

}  // namespace reasonrec::data
