#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "serve/api_request.hpp"

namespace reasonrec::serve {

struct TokenLogprobInfo {
  std::string token;  // the token's text (its bytes; may be partial UTF-8)
  double logprob = 0.0;
  std::vector<std::pair<std::string, double>> top;  // most likely first
};

struct ChoiceResult {
  std::string text;
  std::string finish_reason;  // "stop" or "length"
  std::optional<std::vector<TokenLogprobInfo>> logprobs;
};

// Identity of one response, shared by every chunk of a stream.
struct ResponseHeader {
  std::string id;  // "chatcmpl-..." / "cmpl-..."
  std::int64_t created = 0;
  std::string model;
};

struct ApiResult {
  ResponseHeader header;
  std::vector<ChoiceResult> choices;  // prompt-major, then sample: index = prompt * n + sample
  std::int64_t prompt_tokens = 0;
  std::int64_t completion_tokens = 0;
};

// The non-streamed body ("chat.completion" / "text_completion").
std::string response_body(Route route, const ApiResult& result);

// One server-sent event carrying a piece of choice `index`. `role_first` adds the assistant
// role to a chat delta (the first chunk of each choice); a finish reason closes the choice.
// `text_offset`: bytes of the choice sent before this piece (the completions logprobs'
// text_offset counts from the start of the choice).
std::string stream_chunk(Route route, const ResponseHeader& header, int index,
                         std::string_view delta, const std::vector<TokenLogprobInfo>* logprobs,
                         const std::optional<std::string>& finish_reason, bool role_first,
                         std::size_t text_offset = 0);
// The final usage event (stream_options.include_usage): no choices.
std::string stream_usage_chunk(Route route, const ResponseHeader& header,
                               std::int64_t prompt_tokens, std::int64_t completion_tokens);
inline constexpr std::string_view kStreamDone = "data: [DONE]\n\n";

// /v1/models.
std::string models_body(const std::vector<std::string>& model_ids, std::int64_t created);

}  // namespace reasonrec::serve
