#include "llm/retry_policy.hpp"

#include <curl/curl.h>

#include <charconv>
#include <cmath>
#include <string>

namespace reasonrec::llm {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<double> parse_number(std::string_view s) {
  s = trim(s);
  if (s.empty()) return std::nullopt;
  double value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value) || value < 0) {
    return std::nullopt;
  }
  return value;
}

Duration from_seconds(double seconds) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

Duration backoff_delay(int retry, const BackoffOptions& options, Rng& rng) {
  const double initial = std::chrono::duration<double>(options.initial).count();
  const double cap = std::chrono::duration<double>(options.max).count();
  const int exponent = retry < 1 ? 0 : (retry > 40 ? 40 : retry - 1);
  const double base = std::min(cap, initial * std::ldexp(1.0, exponent));
  return from_seconds(base * (0.5 + 0.5 * rng.uniform()));
}

std::optional<Duration> parse_retry_after(std::string_view retry_after,
                                          std::string_view retry_after_ms,
                                          double now_unix_seconds) {
  if (auto ms = parse_number(retry_after_ms)) return from_seconds(*ms / 1000.0);
  if (auto seconds = parse_number(retry_after)) return from_seconds(*seconds);
  const std::string date(trim(retry_after));
  if (date.empty()) return std::nullopt;
  const time_t when = curl_getdate(date.c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const double delta = static_cast<double>(when) - now_unix_seconds;
  return from_seconds(delta > 0 ? delta : 0.0);
}

const char* outcome_name(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::Success:
      return "success";
    case AttemptOutcome::RateLimited:
      return "rate_limited";
    case AttemptOutcome::ServerError:
      return "server_error";
    case AttemptOutcome::Timeout:
      return "timeout";
    case AttemptOutcome::ConnectFailed:
      return "connect_failed";
    case AttemptOutcome::ConnectionLost:
      return "connection_lost";
    case AttemptOutcome::MalformedBody:
      return "malformed_body";
    case AttemptOutcome::ClientError:
      return "client_error";
  }
  return "unknown";
}

bool is_retryable(AttemptOutcome outcome) {
  return outcome != AttemptOutcome::Success && outcome != AttemptOutcome::ClientError;
}

bool is_endpoint_fault(AttemptOutcome outcome) {
  switch (outcome) {
    case AttemptOutcome::ServerError:
    case AttemptOutcome::Timeout:
    case AttemptOutcome::ConnectFailed:
    case AttemptOutcome::ConnectionLost:
      return true;
    default:
      return false;
  }
}

AttemptOutcome outcome_of_status(long status) {
  if (status >= 200 && status < 300) return AttemptOutcome::Success;
  if (status == 429) return AttemptOutcome::RateLimited;
  if (status == 408 || status >= 500) return AttemptOutcome::ServerError;
  return AttemptOutcome::ClientError;
}

}  // namespace reasonrec::llm
