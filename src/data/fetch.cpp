#include "data/fetch.hpp"

#include <fmt/format.h>

#include "data/sha256.hpp"
#include "data/sha256_manifest.hpp"
#include "util/error.hpp"

namespace reasonrec::data {

std::string_view to_string(ChecksumSource source) {
  switch (source) {
    case ChecksumSource::Catalog:
      return "catalog";
    case ChecksumSource::User:
      return "--sha256";
    case ChecksumSource::Manifest:
      return "SHA256SUMS";
    case ChecksumSource::None:
      return "none";
  }
  return "?";
}

namespace {

std::filesystem::path with_suffix(const std::filesystem::path& path, const char* suffix) {
  auto out = path;
  out += suffix;
  return out;
}

void move_aside(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::error_code ec;
  std::filesystem::rename(from, to, ec);
  if (ec) {
    throw Error("cannot rename " + from.string() + " to " + to.string() + ": " + ec.message());
  }
}

// Re-reads the manifest just before writing it, so that entries another run recorded in the
// meantime are kept.
void record_checksum(const std::filesystem::path& directory, const std::string& name,
                     const std::string& sha256) {
  const auto path = directory / kManifestName;
  auto manifest = Sha256Manifest::load(path);
  if (manifest.find(name) == sha256) return;
  manifest.set(name, sha256);
  manifest.save(path);
}

std::string describe_source(ChecksumSource source) {
  switch (source) {
    case ChecksumSource::Catalog:
      return "the catalog's checksum of the official file";
    case ChecksumSource::User:
      return "the checksum given with --sha256";
    case ChecksumSource::Manifest:
      return std::string("the checksum recorded in ") + kManifestName + " by an earlier fetch";
    case ChecksumSource::None:
      break;
  }
  return "nothing";
}

}  // namespace

FetchResult fetch_file(const FetchRequest& request, const DownloadOptions& options) {
  if (request.file_name.empty() || request.file_name.find('/') != std::string::npos) {
    throw UsageError("fetch: invalid file name '" + request.file_name + "'");
  }
  std::error_code ec;
  std::filesystem::create_directories(request.directory, ec);
  if (ec) throw Error("cannot create " + request.directory.string() + ": " + ec.message());

  const auto target = request.directory / request.file_name;
  const auto part = with_suffix(target, ".part");
  const auto bad = with_suffix(target, ".bad");
  const auto manifest = Sha256Manifest::load(request.directory / kManifestName);

  std::optional<std::string> expected = request.expected_sha256;
  ChecksumSource source = expected ? request.expected_from : ChecksumSource::None;
  if (expected) {
    expected = normalize_sha256(*expected, "expected checksum of " + request.file_name);
  } else if (!request.force) {
    expected = manifest.find(request.file_name);
    if (expected) source = ChecksumSource::Manifest;
  }

  FetchResult result;
  result.path = target;
  result.verified_against = source;

  if (!request.force && std::filesystem::exists(target)) {
    result.status = FetchStatus::AlreadyPresent;
    result.sha256 = sha256_file(target, options.progress);
    if (expected && result.sha256 != *expected) {
      move_aside(target, bad);
      throw Error(fmt::format(
          "{}: the file already there has SHA-256 {}, but {} is {}. It was moved to {}; run the "
          "fetch again to download it afresh",
          target.string(), result.sha256, describe_source(source), *expected, bad.string()));
    }
    record_checksum(request.directory, request.file_name, result.sha256);
    return result;
  }

  if (request.force) std::filesystem::remove(part, ec);
  result.download = download_resumable(request.url, part, options);
  result.sha256 = sha256_file(part, options.progress);
  if (expected && result.sha256 != *expected) {
    move_aside(part, bad);
    throw Error(fmt::format(
        "{}: checksum mismatch: the downloaded file has SHA-256 {}, but {} is {}. The download "
        "was kept as {} and not installed as {}",
        request.url, result.sha256, describe_source(source), *expected, bad.string(),
        target.string()));
  }
  move_aside(part, target);
  record_checksum(request.directory, request.file_name, result.sha256);
  result.status = FetchStatus::Downloaded;
  return result;
}

}  // namespace reasonrec::data
