#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "util/progress.hpp"

namespace reasonrec::data {

struct DownloadOptions {
  // Attempts in a row that add no byte to the partial file before giving up. An attempt that
  // made progress (e.g. a connection dropped after some megabytes) does not use one up.
  int max_attempts = 6;
  std::chrono::milliseconds initial_backoff{2000};  // doubled after each failed attempt
  std::chrono::milliseconds max_backoff{60000};
  std::chrono::milliseconds connect_timeout{30000};
  // An attempt is abandoned (and retried) when no byte arrives for this long. There is no
  // limit on the total time: the official files reach tens of gigabytes.
  std::chrono::seconds stall_timeout{60};
  ProgressMode progress = ProgressMode::Auto;
  std::string label;  // progress label; the URL's last path component when empty
  // Receives one line per retry and restart ("...; retrying in 4s"), for the user's eyes.
  std::function<void(const std::string&)> on_notice;
};

struct DownloadReport {
  std::uint64_t size = 0;          // bytes of the finished file
  std::uint64_t resumed_from = 0;  // bytes already in the partial file when the call began
  std::uint64_t received = 0;      // body bytes received by this call
  int attempts = 0;                // HTTP requests made
  int restarts = 0;  // times the partial file was discarded (server ignored the Range)
};

// Downloads `url` into `part_path`, resuming from the bytes already there with an HTTP Range
// request. Follows redirects; retries transient failures (connection errors, timeouts,
// truncated bodies, 408/429/5xx) with exponential backoff, each retry resuming where the last
// one stopped. When the server ignores the Range and sends the whole file (200), the partial
// file is restarted from zero. Returns once `part_path` holds the complete body; the caller
// verifies it and moves it into place. Throws reasonrec::Error naming the URL when the server
// answers with a permanent error (e.g. 404) or the attempts run out; the partial file is kept
// so that the next call resumes.
DownloadReport download_resumable(const std::string& url, const std::filesystem::path& part_path,
                                  const DownloadOptions& options);

}  // namespace reasonrec::data
