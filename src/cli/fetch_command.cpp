#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "data/catalog.hpp"
#include "data/fetch.hpp"
#include "data/sha256.hpp"
#include "data/sha256_manifest.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct FetchArgs {
  std::string domain;
  std::vector<std::string> kinds{"5core", "meta"};
  std::string out_dir;
  std::string base_url{data::kDefaultBaseUrl};
  std::string sha256;
  int retries = 5;
  double retry_wait_s = 2.0;
  double connect_timeout_s = 30.0;
  int stall_timeout_s = 60;
  bool force = false;
  bool list = false;
  bool quiet = false;
};

void print_catalog(const std::string& base_url) {
  const std::string base = data::normalize_base_url(base_url);
  for (const auto& release : data::releases()) {
    std::cout << "# " << release.name << ": " << release.title << "\n";
  }
  std::cout << "# domain\tkind\turl\tsha256\tcontents\n";
  for (const auto& file : data::catalog_files()) {
    std::cout << file.domain() << '\t' << data::to_string(file.kind) << '\t' << file.url(base)
              << '\t' << file.sha256.value_or("-") << '\t' << file.format << '\n';
  }
}

std::chrono::milliseconds seconds_to_ms(double seconds, const char* option) {
  if (!(seconds >= 0) || seconds > 86400) {
    throw UsageError(std::string(option) + ": expected seconds between 0 and 86400");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
}

void run_fetch(const FetchArgs& args) {
  if (args.list) {
    print_catalog(args.base_url);
    return;
  }
  if (args.domain.empty()) {
    throw UsageError("data fetch: give a DOMAIN such as 2018/All_Beauty (or --list)");
  }
  std::vector<data::FileKind> kinds;
  for (const auto& name : args.kinds) {
    const auto kind = data::parse_file_kind(name);
    if (!kind) throw UsageError("--kind: unknown kind '" + name + "' (5core, full or meta)");
    if (std::find(kinds.begin(), kinds.end(), *kind) == kinds.end()) kinds.push_back(*kind);
  }
  std::optional<std::string> user_sha256;
  if (!args.sha256.empty()) {
    if (kinds.size() != 1) throw UsageError("--sha256 needs exactly one --kind");
    user_sha256 = data::normalize_sha256(args.sha256, "--sha256");
  }
  const std::string base = data::normalize_base_url(args.base_url);
  std::vector<data::CatalogFile> files;
  for (const auto kind : kinds) files.push_back(data::find_catalog_file(args.domain, kind));
  const std::filesystem::path directory =
      args.out_dir.empty()
          ? std::filesystem::path("data") / files.front().release / files.front().category
          : std::filesystem::path(args.out_dir);

  data::DownloadOptions options;
  options.max_attempts = args.retries + 1;
  options.initial_backoff = seconds_to_ms(args.retry_wait_s, "--retry-wait");
  options.max_backoff = std::max(options.initial_backoff, std::chrono::milliseconds(60000));
  options.connect_timeout = seconds_to_ms(args.connect_timeout_s, "--connect-timeout");
  options.stall_timeout = std::chrono::seconds(args.stall_timeout_s);
  options.progress = args.quiet ? ProgressMode::Silent : ProgressMode::Auto;
  const bool quiet = args.quiet;
  options.on_notice = [quiet](const std::string& line) {
    if (!quiet) std::cerr << "fetch: " << line << "\n";
  };

  std::size_t failures = 0;
  for (const auto& file : files) {
    data::FetchRequest request;
    request.url = file.url(base);
    request.directory = directory;
    request.file_name = file.file_name();
    request.force = args.force;
    if (user_sha256) {
      request.expected_sha256 = user_sha256;
      request.expected_from = data::ChecksumSource::User;
    } else if (file.sha256) {
      request.expected_sha256 = file.sha256;
      request.expected_from = data::ChecksumSource::Catalog;
    }
    options.label = "fetch " + request.file_name;
    try {
      const auto result = data::fetch_file(request, options);
      // stdout in sha256sum's format, so it can be piped into `sha256sum -c`.
      std::cout << result.sha256 << "  " << result.path.string() << std::endl;
      if (!quiet) {
        const char* what =
            result.status == data::FetchStatus::AlreadyPresent ? "already present" : "downloaded";
        std::string check =
            result.verified_against == data::ChecksumSource::None
                ? "no checksum known; recorded in " + std::string(data::kManifestName)
                : "SHA-256 verified against " +
                      std::string(data::to_string(result.verified_against));
        std::cerr << "fetch: " << result.path.string() << ": " << what << ", " << check << "\n";
      }
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      ++failures;
      std::cerr << "reasonrec: error: " << e.what() << "\n";
    }
  }
  if (failures > 0) {
    throw Error("data fetch: " + std::to_string(failures) + " of " + std::to_string(files.size()) +
                " file" + (files.size() == 1 ? "" : "s") + " failed");
  }
}

}  // namespace

void add_fetch_command(CLI::App& data_cmd) {
  auto args = std::make_shared<FetchArgs>();
  auto* cmd = data_cmd.add_subcommand(
      "fetch",
      "Download the official Amazon review files of a domain (2014, 2018, 2023) with resume, "
      "retries and SHA-256 checks");
  cmd->add_option("domain", args->domain, "RELEASE/CATEGORY, e.g. 2018/All_Beauty (see --list)");
  cmd->add_option("--kind", args->kinds,
                  "Files to fetch: 5core, full, meta (comma-separated; 2023's 5core is the "
                  "rating-only benchmark CSV)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("-o,--out", args->out_dir, "Output directory (default data/RELEASE/CATEGORY)");
  cmd->add_option("--base-url", args->base_url, "Host and path prefix replacing the official one")
      ->capture_default_str();
  cmd->add_option("--sha256", args->sha256,
                  "Expected SHA-256 of the file (one --kind only); overrides the catalog's");
  cmd->add_option("--retries", args->retries, "Retries in a row without progress before giving up")
      ->check(CLI::Range(0, 100))
      ->capture_default_str();
  cmd->add_option("--retry-wait", args->retry_wait_s,
                  "Seconds before the first retry; doubles after each failure (max 60)")
      ->capture_default_str();
  cmd->add_option("--connect-timeout", args->connect_timeout_s, "Seconds to wait for a connection")
      ->capture_default_str();
  cmd->add_option("--stall-timeout", args->stall_timeout_s,
                  "Retry when no byte arrives for this many seconds")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  cmd->add_flag("--force", args->force,
                "Download again even if present (ignores the checksum SHA256SUMS recorded)");
  cmd->add_flag("--list", args->list, "Print every domain, kind and URL of the catalog");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress or status lines on stderr");
  cmd->callback([args] { run_fetch(*args); });
}

}  // namespace reasonrec::cli
