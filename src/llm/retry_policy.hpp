#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "util/random.hpp"

namespace reasonrec::llm {

using Duration = std::chrono::steady_clock::duration;

struct BackoffOptions {
  std::chrono::milliseconds initial{500};
  std::chrono::milliseconds max{60000};
};

// Delay before retry number `retry` (1 for the first retry): initial * 2^(retry-1), capped at
// max, then scaled by a factor drawn uniformly from [0.5, 1) so that many clients that failed
// together do not retry together.
Duration backoff_delay(int retry, const BackoffOptions& options, Rng& rng);

// The wait a server asked for: `retry-after-ms` (milliseconds, OpenAI's and Azure's header)
// when present and valid, else `Retry-After` as delta-seconds (fractions accepted) or an
// HTTP-date (relative to now_unix_seconds). Nothing for absent or unreadable values.
std::optional<Duration> parse_retry_after(std::string_view retry_after,
                                          std::string_view retry_after_ms, double now_unix_seconds);

// How an attempt ended, as far as retrying goes.
enum class AttemptOutcome {
  Success,
  RateLimited,     // 429
  ServerError,     // 5xx, 408
  Timeout,         // no complete answer within the request timeout
  ConnectFailed,   // refused, unreachable, DNS
  ConnectionLost,  // reset, closed early, truncated body, nothing received
  MalformedBody,   // 200 with a body that is not the protocol's JSON
  ClientError,     // other 4xx: our request is wrong; retrying will not help
};

const char* outcome_name(AttemptOutcome outcome);
bool is_retryable(AttemptOutcome outcome);
// Whether the outcome says something about the endpoint's health (counts toward taking it
// out of the rotation). A 429 or a bad request does not.
bool is_endpoint_fault(AttemptOutcome outcome);
// The outcome of an HTTP status on a complete response.
AttemptOutcome outcome_of_status(long status);

}  // namespace reasonrec::llm
