#include "data/download.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "util/error.hpp"
#include "util/format.hpp"

namespace reasonrec::data {

namespace {

// libcurl wants its global state set up once, before any handle exists.
void ensure_curl_global() {
  struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlGlobal() { curl_global_cleanup(); }
  };
  static const CurlGlobal global;
}

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using FileHandle = std::unique_ptr<std::FILE, FileCloser>;

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// "bytes 100-199/200", "bytes 100-199/*" or "bytes */200".
struct ContentRange {
  std::optional<std::uint64_t> start;
  std::optional<std::uint64_t> total;
};

std::optional<ContentRange> parse_content_range(std::string_view value) {
  value = trim(value);
  if (lowercase(value.substr(0, 6)) != "bytes ") return std::nullopt;
  value.remove_prefix(6);
  const auto slash = value.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  ContentRange range;
  const auto span = trim(value.substr(0, slash));
  const auto total = trim(value.substr(slash + 1));
  if (total != "*") {
    range.total = parse_u64(total);
    if (!range.total) return std::nullopt;
  }
  if (span != "*") {
    const auto dash = span.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    range.start = parse_u64(span.substr(0, dash));
    if (!range.start) return std::nullopt;
  }
  return range;
}

// The head of the response being received; reset by every status line, because redirects
// and interim responses each bring their own headers.
struct ResponseHead {
  long status = 0;
  std::string reason;
  std::optional<std::uint64_t> content_length;
  std::string content_range;
  std::optional<std::uint64_t> retry_after_seconds;
};

// One progress line for the whole download, created once the first response says how much
// is left to receive.
struct ProgressSlot {
  std::string label;
  ProgressMode mode;
  std::unique_ptr<Progress> progress;

  void start(std::optional<std::uint64_t> remaining) {
    if (!progress) {
      progress = std::make_unique<Progress>(
          ProgressOptions{label, remaining, "bytes", mode, std::chrono::milliseconds(10000)});
    }
  }
  void add(std::uint64_t n) {
    if (progress) progress->add(n);
  }
};

// State of one HTTP request, shared with libcurl's callbacks.
struct Attempt {
  Attempt(const std::filesystem::path& part_path, std::uint64_t start, ProgressSlot& slot)
      : part(part_path), offset(start), progress(slot) {}

  const std::filesystem::path& part;
  std::uint64_t offset;  // bytes in the partial file when the request was sent
  ProgressSlot& progress;

  ResponseHead head;
  bool body_started = false;
  bool discard_body = false;    // an error response's body: not part of the file
  bool range_mismatch = false;  // a 206 for some other range than the one asked for
  bool restarted = false;       // a 200 answered our Range request: the part was truncated
  std::string write_error;
  FileHandle out;
  std::uint64_t received = 0;
  std::optional<std::uint64_t> announced_size;  // of the whole file, if the server said

  // Decides, at the first byte of the final response's body, what the body is.
  bool start_body() {
    if (head.status == 206) {
      const auto range = parse_content_range(head.content_range);
      if (!range || !range->start || *range->start != offset) {
        range_mismatch = true;
        return false;
      }
      out.reset(std::fopen(part.c_str(), "ab"));
      announced_size = range->total;
      const auto remaining = range->total && *range->total >= offset
                                 ? std::optional<std::uint64_t>(*range->total - offset)
                                 : std::nullopt;
      progress.start(remaining);
    } else if (head.status == 200) {
      restarted = offset > 0;
      out.reset(std::fopen(part.c_str(), "wb"));
      announced_size = head.content_length;
      progress.start(head.content_length);
    } else {
      discard_body = true;
      return true;
    }
    if (!out) {
      write_error = "cannot open " + part.string() + " for writing: " + std::strerror(errno);
      return false;
    }
    return true;
  }

  static std::size_t on_header(char* buffer, std::size_t size, std::size_t count, void* self) {
    auto& attempt = *static_cast<Attempt*>(self);
    const std::size_t n = size * count;
    const std::string_view line = trim(std::string_view(buffer, n));
    if (line.rfind("HTTP/", 0) == 0) {
      attempt.head = ResponseHead{};
      attempt.body_started = false;
      attempt.discard_body = false;
      const auto space = line.find(' ');
      if (space != std::string_view::npos) {
        const auto rest = line.substr(space + 1);
        const auto code = parse_u64(rest.substr(0, std::min<std::size_t>(3, rest.size())));
        attempt.head.status = code ? static_cast<long>(*code) : 0;
        if (rest.size() > 4) attempt.head.reason = std::string(trim(rest.substr(4)));
      }
      return n;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    const std::string name = lowercase(trim(line.substr(0, colon)));
    const std::string_view value = trim(line.substr(colon + 1));
    if (name == "content-length") {
      attempt.head.content_length = parse_u64(value);
    } else if (name == "content-range") {
      attempt.head.content_range = std::string(value);
    } else if (name == "retry-after") {
      attempt.head.retry_after_seconds = parse_u64(value);  // the HTTP-date form is ignored
    }
    return n;
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* self) {
    auto& attempt = *static_cast<Attempt*>(self);
    const std::size_t n = size * count;
    if (!attempt.body_started) {
      attempt.body_started = true;
      if (!attempt.start_body()) return 0;  // aborts the transfer with CURLE_WRITE_ERROR
    }
    if (attempt.discard_body) return n;
    if (std::fwrite(data, 1, n, attempt.out.get()) != n) {
      attempt.write_error = "cannot write " + attempt.part.string() + ": " + std::strerror(errno);
      return 0;
    }
    attempt.received += n;
    attempt.progress.add(n);
    return n;
  }
};

bool is_transient_curl_error(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool is_transient_http_status(long status) {
  return status == 408 || status == 425 || status == 429 || status == 500 || status == 502 ||
         status == 503 || status == 504;
}

enum class Verdict { Complete, Retry, Restart };

struct AttemptResult {
  Verdict verdict = Verdict::Retry;
  std::string reason;  // why a retry or restart is needed
  std::optional<std::uint64_t> retry_after_seconds;
  std::uint64_t received = 0;
  bool restarted = false;
};

std::uint64_t size_or_zero(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<std::uint64_t>(size);
}

std::string http_status_text(const ResponseHead& head) {
  return head.reason.empty() ? fmt::format("HTTP {}", head.status)
                             : fmt::format("HTTP {} {}", head.status, head.reason);
}

AttemptResult run_attempt(const std::string& url, const std::filesystem::path& part,
                          std::uint64_t offset, ProgressSlot& progress,
                          const DownloadOptions& options) {
  EasyHandle easy(curl_easy_init());
  if (!easy) throw Error("cannot initialise libcurl");
  Attempt attempt(part, offset, progress);
  char error_buffer[CURL_ERROR_SIZE] = {};
  CURL* h = easy.get();
  const std::string range_header = fmt::format("{}-", offset);
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_USERAGENT, "reasonrec-fetch/1 (libcurl)");
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  // No byte for stall_timeout seconds: give up on this attempt (and resume in the next).
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(std::max<std::int64_t>(1, options.stall_timeout.count())));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  // Our own Range header rather than CURLOPT_RESUME_FROM, so that a server ignoring it
  // (answering 200 with the whole file) is ours to handle, not a libcurl error.
  if (offset > 0) curl_easy_setopt(h, CURLOPT_RANGE, range_header.c_str());
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &Attempt::on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &attempt);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Attempt::on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &attempt);

  const CURLcode code = curl_easy_perform(h);
  if (attempt.out) {
    std::FILE* file = attempt.out.release();
    if (std::fclose(file) != 0 && attempt.write_error.empty()) {
      attempt.write_error = "cannot write " + part.string() + ": " + std::strerror(errno);
    }
  }

  AttemptResult result;
  result.received = attempt.received;
  result.restarted = attempt.restarted;
  result.retry_after_seconds = attempt.head.retry_after_seconds;
  if (!attempt.write_error.empty()) throw Error(url + ": " + attempt.write_error);
  if (attempt.range_mismatch) {
    result.verdict = Verdict::Restart;
    result.reason = fmt::format("the server answered the request for bytes {}- with range '{}'",
                                offset, attempt.head.content_range);
    return result;
  }

  const char* effective = nullptr;
  curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &effective);
  const std::string where =
      effective != nullptr && url != effective ? url + " (redirected to " + effective + ")" : url;
  const long status = attempt.head.status;

  if (code != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    if (!is_transient_curl_error(code)) throw Error(where + ": " + detail);
    result.reason = detail;
    return result;
  }
  if (status == 200 || status == 206) {
    // A body that never started (an empty file) still means "the file is empty".
    if (status == 200 && !attempt.body_started) {
      FileHandle truncate(std::fopen(part.c_str(), "wb"));
      if (!truncate) throw Error("cannot write " + part.string() + ": " + std::strerror(errno));
      result.restarted = offset > 0;
    }
    // libcurl already rejects a body shorter than its Content-Length; this also catches a
    // partial file that does not add up with the ranges the server sent.
    const std::uint64_t size = size_or_zero(part);
    if (attempt.announced_size && size != *attempt.announced_size) {
      result.verdict = Verdict::Restart;
      result.reason = fmt::format("the file has {} bytes but the server announced {}", size,
                                  *attempt.announced_size);
      return result;
    }
    result.verdict = Verdict::Complete;
    return result;
  }
  if (status == 416 && offset > 0) {
    // Nothing left at our offset: either the partial file is already complete or it is longer
    // than the file now on the server.
    const auto range = parse_content_range(attempt.head.content_range);
    if (range && range->total && *range->total == offset) {
      result.verdict = Verdict::Complete;
      return result;
    }
    result.verdict = Verdict::Restart;
    result.reason = fmt::format("the server has no bytes from {} on ({})", offset,
                                attempt.head.content_range.empty()
                                    ? std::string("no Content-Range")
                                    : "Content-Range " + attempt.head.content_range);
    return result;
  }
  if (is_transient_http_status(status)) {
    result.reason = http_status_text(attempt.head);
    return result;
  }
  throw Error(http_status_text(attempt.head) + " from " + where);
}

std::chrono::milliseconds backoff_delay(const DownloadOptions& options, int failures,
                                        std::optional<std::uint64_t> retry_after_seconds) {
  auto delay = options.initial_backoff;
  for (int i = 1; i < failures && delay < options.max_backoff; ++i) delay *= 2;
  if (retry_after_seconds) {
    delay =
        std::max(delay, std::chrono::milliseconds(static_cast<std::int64_t>(std::min<std::uint64_t>(
                                                      *retry_after_seconds, 24 * 3600)) *
                                                  1000));
  }
  return std::min(delay, options.max_backoff);
}

}  // namespace

DownloadReport download_resumable(const std::string& url, const std::filesystem::path& part_path,
                                  const DownloadOptions& options) {
  ensure_curl_global();
  const int max_attempts = std::max(1, options.max_attempts);
  ProgressSlot progress{options.label.empty() ? part_path.stem().string() : options.label,
                        options.progress, nullptr};
  auto notice = [&](const std::string& line) {
    if (options.on_notice) options.on_notice(line);
  };

  DownloadReport report;
  report.resumed_from = size_or_zero(part_path);
  if (report.resumed_from > 0) {
    notice(fmt::format("resuming {} at byte {} ({})", url, with_commas(report.resumed_from),
                       human_bytes(static_cast<double>(report.resumed_from))));
  }
  int failures_in_a_row = 0;
  while (true) {
    const std::uint64_t offset = size_or_zero(part_path);
    ++report.attempts;
    const AttemptResult result = run_attempt(url, part_path, offset, progress, options);
    report.received += result.received;
    if (result.restarted) {
      ++report.restarts;
      notice(
          fmt::format("{}: the server ignored the request to resume at byte {}; restarted "
                      "from the beginning",
                      url, with_commas(offset)));
    }
    if (result.verdict == Verdict::Complete) {
      if (progress.progress) progress.progress->finish();
      report.size = size_or_zero(part_path);
      return report;
    }
    const std::uint64_t now = size_or_zero(part_path);
    const bool made_progress = now > offset;
    failures_in_a_row = made_progress ? 1 : failures_in_a_row + 1;
    const bool give_up = failures_in_a_row >= max_attempts;
    if (result.verdict == Verdict::Restart) {
      std::error_code ec;
      std::filesystem::remove(part_path, ec);
      ++report.restarts;
      if (give_up) {
        throw Error(
            fmt::format("{}: {}; gave up after {} attempts", url, result.reason, report.attempts));
      }
      notice(fmt::format("{}: {}; restarting from the beginning", url, result.reason));
      continue;
    }
    if (give_up) {
      throw Error(fmt::format(
          "{}: {}; gave up after {} attempt{} in a row without progress. The partial download "
          "({} bytes) is kept in {} and the next run resumes it",
          url, result.reason, failures_in_a_row, failures_in_a_row == 1 ? "" : "s",
          with_commas(now), part_path.string()));
    }
    const auto delay = backoff_delay(options, failures_in_a_row, result.retry_after_seconds);
    notice(fmt::format("{}: {} (at byte {}); retrying in {} (attempt {} of {})", url, result.reason,
                       with_commas(now),
                       human_duration(std::chrono::duration<double>(delay).count()),
                       failures_in_a_row + 1, max_attempts));
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace reasonrec::data
