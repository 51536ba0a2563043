#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/api_request.hpp"
#include "serve/api_response.hpp"

namespace reasonrec::serve {

// Receives the text of a streamed response as it is produced.
struct StreamSink {
  // A piece of choice `index`; a finish reason closes the choice. Returns false when the
  // client is gone, which cancels the request.
  std::function<bool(int index, std::string_view delta,
                     const std::vector<TokenLogprobInfo>* logprobs,
                     const std::optional<std::string>& finish_reason)>
      piece;
};

// What the server calls to answer a validated request: the engine implements it.
class Completer {
 public:
  virtual ~Completer() = default;
  virtual std::vector<std::string> model_ids() const = 0;
  // Answers every choice of `request`. With a sink, pieces are reported as they are produced.
  // Stops early (returning what exists) once `cancelled` is set. Throws ApiError for requests
  // the model cannot serve (prompt too long, unsatisfiable constraint...).
  virtual ApiResult complete(const ApiRequest& request, const StreamSink* sink,
                             const std::atomic<bool>& cancelled) = 0;
};

}  // namespace reasonrec::serve
