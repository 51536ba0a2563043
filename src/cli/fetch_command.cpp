#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "data/fetch_domain.hpp"
#include "data/sha256_manifest.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct FetchArgs {
  data::DomainFetchRequest request;
  int retries = 5;
  double retry_wait_s = 2.0;
  double connect_timeout_s = 30.0;
  int stall_timeout_s = 60;
  bool list = false;
  bool quiet = false;
};

std::chrono::milliseconds seconds_to_ms(double seconds, const char* option) {
  if (!(seconds >= 0) || seconds > 86400) {
    throw UsageError(std::string(option) + ": expected seconds between 0 and 86400");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000.0));
}

void run_fetch(FetchArgs& args) {
  auto& request = args.request;
  if (args.list) {
    std::cout << data::catalog_listing(request.base_url);
    return;
  }
  auto& options = request.download;
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
  request.on_fetched = [quiet](const data::FetchResult& result) {
    // stdout in sha256sum's format, so it can be piped into `sha256sum -c`.
    std::cout << result.sha256 << "  " << result.path.string() << std::endl;
    if (quiet) return;
    const char* what =
        result.status == data::FetchStatus::AlreadyPresent ? "already present" : "downloaded";
    const std::string check =
        result.verified_against == data::ChecksumSource::None
            ? "no checksum known; recorded in " + std::string(data::kManifestName)
            : "SHA-256 verified against " + std::string(data::to_string(result.verified_against));
    std::cerr << "fetch: " << result.path.string() << ": " << what << ", " << check << "\n";
  };
  request.on_failed = [](const std::string&, const std::string& error) {
    std::cerr << "reasonrec: error: " << error << "\n";
  };
  const auto outcome = data::fetch_domain(request);
  if (outcome.failed > 0) {
    throw Error("data fetch: " + std::to_string(outcome.failed) + " of " +
                std::to_string(outcome.files) + " file" + (outcome.files == 1 ? "" : "s") +
                " failed");
  }
}

}  // namespace

void add_fetch_command(CLI::App& data_cmd) {
  auto args = std::make_shared<FetchArgs>();
  auto* cmd = data_cmd.add_subcommand(
      "fetch",
      "Download the official Amazon review files of a domain (2014, 2018, 2023) with resume, "
      "retries and SHA-256 checks");
  cmd->add_option("domain", args->request.domain,
                  "RELEASE/CATEGORY, e.g. 2018/All_Beauty (see --list)");
  cmd->add_option("--kind", args->request.kinds,
                  "Files to fetch: 5core, full, meta (comma-separated; 2023's 5core is the "
                  "rating-only benchmark CSV)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("-o,--out", args->request.out_dir,
                  "Output directory (default data/RELEASE/CATEGORY)");
  cmd->add_option("--base-url", args->request.base_url,
                  "Host and path prefix replacing the official one")
      ->capture_default_str();
  cmd->add_option("--sha256", args->request.sha256,
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
  cmd->add_flag("--force", args->request.force,
                "Download again even if present (ignores the checksum SHA256SUMS recorded)");
  cmd->add_flag("--list", args->list, "Print every domain, kind and URL of the catalog");
  cmd->add_flag("-q,--quiet", args->quiet, "No progress or status lines on stderr");
  cmd->callback([args] { run_fetch(*args); });
}

}  // namespace reasonrec::cli
