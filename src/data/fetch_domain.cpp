#include "data/fetch_domain.hpp"

#include <algorithm>

#include "data/sha256.hpp"
#include "util/error.hpp"

namespace reasonrec::data {

DomainFetchOutcome fetch_domain(const DomainFetchRequest& request) {
  if (request.domain.empty()) {
    throw UsageError("data fetch: give a DOMAIN such as 2018/All_Beauty (or --list)");
  }
  std::vector<FileKind> kinds;
  for (const auto& name : request.kinds) {
    const auto kind = parse_file_kind(name);
    if (!kind) throw UsageError("--kind: unknown kind '" + name + "' (5core, full or meta)");
    if (std::find(kinds.begin(), kinds.end(), *kind) == kinds.end()) kinds.push_back(*kind);
  }
  std::optional<std::string> user_sha256;
  if (!request.sha256.empty()) {
    if (kinds.size() != 1) throw UsageError("--sha256 needs exactly one --kind");
    user_sha256 = normalize_sha256(request.sha256, "--sha256");
  }
  const std::string base = normalize_base_url(request.base_url);
  std::vector<CatalogFile> files;
  for (const auto kind : kinds) files.push_back(find_catalog_file(request.domain, kind));
  const std::filesystem::path directory =
      request.out_dir.empty()
          ? std::filesystem::path("data") / files.front().release / files.front().category
          : std::filesystem::path(request.out_dir);

  DomainFetchOutcome outcome;
  outcome.files = files.size();
  DownloadOptions options = request.download;
  for (const auto& file : files) {
    FetchRequest one;
    one.url = file.url(base);
    one.directory = directory;
    one.file_name = file.file_name();
    one.force = request.force;
    if (user_sha256) {
      one.expected_sha256 = user_sha256;
      one.expected_from = ChecksumSource::User;
    } else if (file.sha256) {
      one.expected_sha256 = file.sha256;
      one.expected_from = ChecksumSource::Catalog;
    }
    options.label = "fetch " + one.file_name;
    try {
      outcome.fetched.push_back(fetch_file(one, options));
      if (request.on_fetched) request.on_fetched(outcome.fetched.back());
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      ++outcome.failed;
      if (request.on_failed) request.on_failed(one.file_name, e.what());
    }
  }
  return outcome;
}

std::string catalog_listing(const std::string& base_url) {
  const std::string base = normalize_base_url(base_url);
  std::string out;
  for (const auto& release : releases()) {
    out += "# " + std::string(release.name) + ": " + std::string(release.title) + "\n";
  }
  out += "# domain\tkind\turl\tsha256\tcontents\n";
  for (const auto& file : catalog_files()) {
    out += file.domain() + '\t' + std::string(to_string(file.kind)) + '\t' + file.url(base) + '\t' +
           file.sha256.value_or("-") + '\t' + std::string(file.format) + '\n';
  }
  return out;
}

}  // namespace reasonrec::data
