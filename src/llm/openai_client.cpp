#include "llm/openai_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cmath>
#include <deque>
#include <mutex>
#include <optional>
#include <queue>

#include <fmt/format.h>

#include "llm/curl_multi_loop.hpp"
#include "llm/openai_protocol.hpp"
#include "llm/rate_limiter.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::llm {

namespace {

constexpr auto kIdleInterval = std::chrono::milliseconds(100);

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw Error("curl_global_init failed");
  });
}

// One sample of one request: what is sent, and how its attempts went.
struct Job {
  std::size_t request = 0;
  int sample = 0;
  std::string body;  // built at the first attempt, released when the job ends
  int attempts = 0;
  double estimated_tokens = 0;
  std::string last_error;
  std::optional<Clock::time_point> rate_limited_since;  // held back by the rate limits
};

// One transfer slot with its own easy handle, reused for request after request (libcurl keeps
// the connections in the multi handle's pool).
struct Slot {
  CURL* easy = nullptr;
  std::size_t job = 0;
  std::size_t endpoint = 0;
  Clock::time_point started;
  std::string response;
  std::string retry_after;
  std::string retry_after_ms;
  char error[CURL_ERROR_SIZE] = {};
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<Slot*>(user)->response.append(data, size * count);
  return size * count;
}

bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  }
  return true;
}

std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* slot = static_cast<Slot*>(user);
  const std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {  // a new response (after a 100 Continue, a redirect)
    slot->retry_after.clear();
    slot->retry_after_ms.clear();
  } else if (header_is(line, "retry-after")) {
    slot->retry_after = std::string(line.substr(12));
  } else if (header_is(line, "retry-after-ms")) {
    slot->retry_after_ms = std::string(line.substr(15));
  }
  return size * count;
}

AttemptOutcome outcome_of_curl(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return AttemptOutcome::Timeout;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return AttemptOutcome::ConnectFailed;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_LOGIN_DENIED:
      return AttemptOutcome::ClientError;
    default:  // resets, early closes, truncated bodies, empty replies, TLS hiccups
      return AttemptOutcome::ConnectionLost;
  }
}

std::string snippet(const std::string& body) {
  constexpr std::size_t kMax = 200;
  std::string s = body.substr(0, kMax);
  std::replace(s.begin(), s.end(), '\n', ' ');
  return body.size() > kMax ? s + "..." : s;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

struct OpenAIClient::Impl {
  explicit Impl(ClientOptions o)
      : options(std::move(o)),
        pool(options.base_urls, options.endpoints),
        limiter(options.requests_per_minute, options.tokens_per_minute, Clock::now()),
        rng(derive_seed(options.seed, "llm.backoff")) {}

  ~Impl() {
    for (auto& slot : slots) {
      if (slot->easy) curl_easy_cleanup(slot->easy);
    }
    curl_slist_free_all(headers);
  }

  void setup();
  void generate(std::span<const GenerationRequest> requests, CompletionSink& sink);

  ClientOptions options;
  EndpointPool pool;
  RateLimiter limiter;
  Rng rng;
  ClientStats stats;
  std::unique_ptr<CurlMultiLoop> loop;
  ResponseParser response_parser;
  curl_slist* headers = nullptr;
  std::vector<std::unique_ptr<Slot>> slots;
};

void OpenAIClient::Impl::setup() {
  init_curl_once();
  loop = std::make_unique<CurlMultiLoop>();
  curl_multi_setopt(loop->multi(), CURLMOPT_MAXCONNECTS,
                    static_cast<long>(options.concurrency) + static_cast<long>(pool.size()));
  headers = curl_slist_append(headers, "Content-Type: application/json");
  // No "Expect: 100-continue" round trip before large prompts.
  headers = curl_slist_append(headers, "Expect:");
  if (!options.api_key.empty()) {
    headers = curl_slist_append(headers, ("Authorization: Bearer " + options.api_key).c_str());
  }
  for (int i = 0; i < options.concurrency; ++i) {
    auto slot = std::make_unique<Slot>();
    slot->easy = curl_easy_init();
    if (!slot->easy) throw Error("curl_easy_init failed");
    CURL* e = slot->easy;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, slot.get());
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, slot.get());
    curl_easy_setopt(e, CURLOPT_PRIVATE, slot.get());
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, slot->error);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    slots.push_back(std::move(slot));
  }
}

void OpenAIClient::Impl::generate(std::span<const GenerationRequest> requests,
                                  CompletionSink& sink) {
  std::vector<Job> jobs;
  for (std::size_t r = 0; r < requests.size(); ++r) {
    if (requests[r].model.empty()) throw UsageError("a request has no model name");
    if (!requests[r].params.constraint.empty()) {
      throw UsageError(
          "output constraints apply to models run in-process; start the server "
          "with its own (reasonrec serve --constraint, vLLM guided decoding)");
    }
    for (int i = 0; i < requests[r].n; ++i) {
      Job job;
      job.request = r;
      job.sample = requests[r].first_sample + i;
      jobs.push_back(std::move(job));
    }
  }
  std::vector<std::vector<std::string>> urls(pool.size());
  for (std::size_t e = 0; e < pool.size(); ++e) {
    urls[e] = {pool.base_url(e) + api_path(Api::Chat),
               pool.base_url(e) + api_path(Api::Completion)};
  }

  std::deque<std::size_t> ready;
  for (std::size_t j = 0; j < jobs.size(); ++j) ready.push_back(j);
  using Due = std::pair<Clock::time_point, std::size_t>;
  std::priority_queue<Due, std::vector<Due>, std::greater<>> waiting;  // retries by due time
  std::vector<Slot*> free_slots;
  for (auto it = slots.rbegin(); it != slots.rend(); ++it) free_slots.push_back(it->get());
  // Transfers still attached when a sink throws are detached, so the client stays usable.
  struct DetachOnExit {
    Impl& impl;
    std::vector<Slot*>& free;
    ~DetachOnExit() {
      for (auto& slot : impl.slots) {
        if (std::find(free.begin(), free.end(), slot.get()) == free.end()) {
          impl.loop->remove(slot->easy);
        }
      }
    }
  } detach{*this, free_slots};
  std::size_t remaining = jobs.size();
  std::optional<Clock::time_point> all_dead_since;
  auto last_idle = Clock::now();

  auto complete = [&](Job& job, Completion c) {
    c.request = job.request;
    c.sample = job.sample;
    c.attempts = job.attempts;
    if (c.ok) {
      ++stats.succeeded;
    } else {
      ++stats.failed;
    }
    job.body = std::string();
    --remaining;
    sink.on_completion(std::move(c));
  };
  auto fail = [&](Job& job, std::string reason) {
    Completion c;
    c.ok = false;
    c.error = std::move(reason);
    complete(job, std::move(c));
  };

  auto start = [&](std::size_t j, std::size_t endpoint, Clock::time_point now) {
    Job& job = jobs[j];
    Slot* slot = free_slots.back();
    free_slots.pop_back();
    const GenerationRequest& req = requests[job.request];
    slot->job = j;
    slot->endpoint = endpoint;
    slot->started = now;
    slot->response.clear();
    slot->retry_after.clear();
    slot->retry_after_ms.clear();
    slot->error[0] = '\0';
    curl_easy_setopt(slot->easy, CURLOPT_URL, urls[endpoint][req.api == Api::Chat ? 0 : 1].c_str());
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDS, job.body.c_str());
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(job.body.size()));
    loop->add(slot->easy);
    pool.on_start(endpoint);
    ++job.attempts;
    ++stats.attempts;
    if (job.attempts > 1) ++stats.retries;
  };

  auto finish = [&](Slot* slot, CURLcode code) {
    const auto now = Clock::now();
    Job& job = jobs[slot->job];
    const GenerationRequest& req = requests[job.request];
    loop->remove(slot->easy);
    long status = 0;
    curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
    char* content_type = nullptr;
    curl_easy_getinfo(slot->easy, CURLINFO_CONTENT_TYPE, &content_type);
    const std::string type = content_type ? content_type : "";

    AttemptOutcome outcome;
    std::string reason;
    ParsedResponse parsed;
    if (code != CURLE_OK) {
      outcome = outcome_of_curl(code);
      reason = slot->error[0] ? std::string(slot->error) : curl_easy_strerror(code);
    } else {
      outcome = outcome_of_status(status);
      if (outcome == AttemptOutcome::Success) {
        try {
          // A server may ignore "stream": a JSON body is read as such either way.
          if (options.stream && type.find("json") == std::string::npos) {
            StreamAccumulator acc(req.api);
            acc.feed(slot->response);
            parsed = acc.finish();
          } else {
            parsed = response_parser.parse(req.api, slot->response);
          }
        } catch (const ProtocolError& e) {
          outcome = AttemptOutcome::MalformedBody;
          reason = std::string(e.what()) + " (content-type '" + type + "')";
        }
      } else {
        reason = fmt::format("HTTP {}: {}", status, snippet(slot->response));
      }
    }

    std::optional<Duration> retry_after;
    if (outcome == AttemptOutcome::RateLimited || outcome == AttemptOutcome::ServerError) {
      const double unix_now =
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count();
      retry_after = parse_retry_after(slot->retry_after, slot->retry_after_ms, unix_now);
      if (retry_after) retry_after = std::min<Duration>(*retry_after, options.max_retry_after);
    }
    if (outcome == AttemptOutcome::Success) {
      pool.on_success(slot->endpoint);
    } else if (is_endpoint_fault(outcome)) {
      pool.on_fault(slot->endpoint, now);
    } else {
      pool.on_neutral(slot->endpoint);
    }
    if (retry_after) pool.pause_until(slot->endpoint, now + *retry_after);
    const std::string endpoint = pool.base_url(slot->endpoint);
    const auto started = slot->started;
    free_slots.push_back(slot);

    if (outcome == AttemptOutcome::Success) {
      const auto actual = parsed.usage.prompt_tokens + parsed.usage.completion_tokens;
      if (actual > 0) limiter.correct(job.estimated_tokens, static_cast<double>(actual));
      Completion c;
      c.ok = true;
      c.text = std::move(parsed.text);
      c.finish_reason = std::move(parsed.finish_reason);
      c.usage = parsed.usage;
      c.logprobs = std::move(parsed.logprobs);
      c.latency_seconds = seconds(now - started);
      c.endpoint = endpoint;
      c.response_id = std::move(parsed.id);
      complete(job, std::move(c));
      return;
    }
    ++stats.faults[outcome_name(outcome)];
    job.last_error = std::string(outcome_name(outcome)) + ": " + reason;
    if (!is_retryable(outcome) || job.attempts >= options.max_attempts) {
      fail(job, fmt::format("{} (after {} attempt{})", job.last_error, job.attempts,
                            job.attempts == 1 ? "" : "s"));
      return;
    }
    const Duration delay =
        retry_after ? *retry_after : backoff_delay(job.attempts, options.backoff, rng);
    waiting.push({now + delay, slot->job});
    if (options.on_notice) {
      options.on_notice(fmt::format(
          "retry {}/{} of request {} sample {} on {}: {}; waiting {:.2f}s", job.attempts + 1,
          options.max_attempts, job.request, job.sample, endpoint, job.last_error, seconds(delay)));
    }
  };

  while (remaining > 0) {
    auto now = Clock::now();
    while (!waiting.empty() && waiting.top().first <= now) {
      ready.push_front(waiting.top().second);  // retries first: finish what was started
      waiting.pop();
    }
    // Every endpoint out for too long: fail what waits instead of probing forever. Checked
    // before anything starts, and the clock runs while the pool is down whether or not a
    // sample happens to be waiting: a lone endpoint keeps taking retries, so its samples are
    // often all in flight.
    if (pool.all_dead()) {
      if (!all_dead_since) all_dead_since = now;
      if (now - *all_dead_since >= options.give_up_after) {
        auto give_up = [&](std::size_t j) {
          fail(jobs[j], fmt::format("no endpoint reachable for {:.0f}s; last error: {}",
                                    seconds(now - *all_dead_since), jobs[j].last_error));
        };
        for (std::size_t j : ready) give_up(j);
        ready.clear();
        for (; !waiting.empty(); waiting.pop()) give_up(waiting.top().second);
      }
    } else {
      all_dead_since.reset();
    }

    auto wake = now + kIdleInterval;
    while (!free_slots.empty() && !ready.empty()) {
      Job& job = jobs[ready.front()];
      const auto endpoint = pool.pick(now);
      if (!endpoint) {
        wake = std::min(wake, pool.next_available(now));
        break;
      }
      if (job.body.empty()) {
        job.body = request_body(requests[job.request], job.sample, options.stream);
        job.estimated_tokens =
            static_cast<double>(job.body.size()) / 4.0 + requests[job.request].params.max_tokens;
      }
      if (!limiter.try_acquire(job.estimated_tokens, now)) {
        if (!job.rate_limited_since) job.rate_limited_since = now;
        wake = std::min(wake, limiter.available_at(job.estimated_tokens, now));
        break;
      }
      if (job.rate_limited_since) {
        ++stats.rate_limit_waits;
        stats.rate_limit_wait_seconds += seconds(now - *job.rate_limited_since);
        job.rate_limited_since.reset();
      }
      const std::size_t j = ready.front();
      ready.pop_front();
      start(j, *endpoint, now);
    }

    bool finished_any = false;
    loop->for_each_done([&](CURL* easy, CURLcode code) {
      Slot* slot = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &slot);
      finish(slot, code);
      finished_any = true;
    });
    if (Clock::now() - last_idle >= kIdleInterval) {
      sink.on_idle();
      last_idle = Clock::now();
    }
    if (remaining == 0) break;
    if (finished_any && !ready.empty()) continue;  // slots were freed: fill them first
    if (!waiting.empty()) wake = std::min(wake, waiting.top().first);
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now());
    loop->run_once(
        std::clamp<std::chrono::milliseconds>(wait, std::chrono::milliseconds(0), kIdleInterval));
  }
  sink.on_idle();
}

OpenAIClient::OpenAIClient(ClientOptions options) {
  if (options.concurrency < 1) throw UsageError("concurrency must be at least 1");
  if (options.max_attempts < 1) throw UsageError("max attempts must be at least 1");
  for (auto& url : options.base_urls) url = normalize_base_url(url);
  impl_ = std::make_unique<Impl>(std::move(options));
  impl_->setup();
}

OpenAIClient::~OpenAIClient() = default;

void OpenAIClient::generate(std::span<const GenerationRequest> requests, CompletionSink& sink) {
  impl_->generate(requests, sink);
}

ClientStats OpenAIClient::stats() const {
  ClientStats s = impl_->stats;
  s.endpoints = impl_->pool.stats();
  return s;
}

}  // namespace reasonrec::llm
