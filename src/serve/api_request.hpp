#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::serve {

enum class Route { Chat, Completion };

struct ChatTurn {
  std::string role;
  std::string content;
};

// A /v1/chat/completions or /v1/completions request, validated. Field names and defaults
// follow OpenAI's API; `guided_regex` and `top_k` are the vLLM extensions of the same name,
// `constraint` names a built-in output constraint (docs/constraints.md).
struct ApiRequest {
  Route route = Route::Chat;
  std::string model;
  std::vector<ChatTurn> messages;    // Chat
  std::vector<std::string> prompts;  // Completion: a string or an array of strings
  int n = 1;
  double temperature = 1.0;
  double top_p = 1.0;
  int top_k = 0;
  std::optional<std::uint64_t> seed;
  std::vector<std::string> stop;
  std::optional<int> max_tokens;  // absent: up to the context (chat) or 16 (completions)
  bool logprobs = false;
  int top_logprobs = 0;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  std::string guided_regex;
  std::string constraint;
  bool ignore_eos = false;  // vLLM extension: keep generating past end-of-sequence
};

struct RequestLimits {
  int max_n = 64;
  int max_stop = 16;
  int max_top_logprobs = 20;
  int max_prompts = 64;
  // Work one request may ask for: sequences (prompts x n) and tokens to generate (sequences x
  // max_tokens, counted when max_tokens is given; the completer checks its own defaults).
  int max_sequences = 256;
  std::int64_t max_generated_tokens = 1 << 20;
};

// Parses and validates a request body; throws ApiError (400) naming the field.
ApiRequest parse_request(Route route, std::string_view body, const RequestLimits& limits = {});

}  // namespace reasonrec::serve
