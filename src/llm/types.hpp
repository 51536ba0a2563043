#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace reasonrec::llm {

// One chat turn: role "system", "user" or "assistant".
struct Message {
  std::string role;
  std::string content;
};

// Which OpenAI-compatible route a request takes.
enum class Api {
  Chat,        // /chat/completions with `messages`
  Completion,  // /completions with a plain `prompt`
};

// "chat" / "completions"; parse_api throws UsageError otherwise.
const char* api_name(Api api);
Api parse_api(const std::string& name);

struct GenerationParams {
  int max_tokens = 512;
  double temperature = 0.0;
  double top_p = 1.0;
  std::vector<std::string> stop;
  // Base seed; sample i is generated with seed + i (sample_seed), so every sample can be
  // regenerated on its own. Absent: no seed is sent.
  std::optional<std::uint64_t> seed;
  // > 0: ask for the log-probabilities of the chosen tokens and of this many alternatives at
  // each position (what a rating distribution is read from). 0: none.
  int top_logprobs = 0;
  // An output constraint (docs/constraints.md): a built-in name (reason-rating, rating,
  // json-rating) or a regex every generated text must match. Models run in-process only (the
  // HTTP client refuses it: start the server with its own). Part of the cache key when set.
  std::string constraint;
};

// Generate `n` samples for one prompt. Samples are numbered first_sample .. first_sample+n-1;
// the cache uses first_sample to ask for just the samples it is missing.
struct GenerationRequest {
  std::string model;
  Api api = Api::Chat;
  std::vector<Message> messages;  // Api::Chat
  std::string prompt;             // Api::Completion
  GenerationParams params;
  int n = 1;
  int first_sample = 0;
};

// The seed sent for sample `sample`: params.seed + sample, or none when params.seed is absent.
std::optional<std::uint64_t> sample_seed(const GenerationParams& params, int sample);

struct TopLogprob {
  std::string token;
  double logprob = 0.0;
};

// One generated token with its log-probability and the most likely alternatives there.
struct TokenLogprob {
  std::string token;
  double logprob = 0.0;
  std::vector<TopLogprob> top;
};

struct Usage {
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

// The outcome of one sample of one request: a generation, or the reason it failed after every
// retry. A backend reports exactly one Completion per (request, sample).
struct Completion {
  std::size_t request = 0;  // index in the batch given to Backend::generate
  int sample = 0;           // absolute sample index (first_sample + i)
  bool ok = false;
  std::string error;  // why it failed, when !ok
  std::string text;
  std::string finish_reason;  // "stop", "length", ... as the server said
  Usage usage;
  std::optional<std::vector<TokenLogprob>> logprobs;  // when asked for and returned
  double latency_seconds = 0.0;                       // of the attempt that answered
  int attempts = 0;                                   // HTTP requests made, retries included
  std::string endpoint;                               // base URL that answered
  std::string response_id;                            // the server's id for the response
  bool cached = false;                                // served from the cache: nothing was sent
};

}  // namespace reasonrec::llm
