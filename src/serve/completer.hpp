#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/api_request.hpp"
#include "serve/api_response.hpp"

namespace reasonrec::serve {

// One piece of a streamed choice: text (never ending inside a UTF-8 sequence), the
// log-probabilities of the tokens it completes, or the finish reason that closes the choice.
struct StreamPiece {
  int index = 0;                // the choice: prompt * n + sample
  std::string_view text;        // may be empty
  std::size_t text_offset = 0;  // bytes of the choice's text sent before this piece
  const std::vector<TokenLogprobInfo>* logprobs = nullptr;  // asked for and present
  std::optional<std::string> finish_reason;
};

// Receives the text of a streamed response as it is produced.
struct StreamSink {
  // Returns false when the client is gone, which cancels the request.
  std::function<bool(const StreamPiece&)> piece;
};

// Returns true once the client that asked has gone away (its generations are then cancelled).
using ClientGone = std::function<bool()>;

// A validated request, ready to generate. Runs on the caller's thread, blocking until every
// choice has finished (or the client has gone, returning what exists). With a sink, pieces are
// reported as they are produced.
using Completion = std::function<ApiResult(const StreamSink* sink, const ClientGone& gone)>;

// A counter or gauge for /metrics (Prometheus text format).
struct Metric {
  enum class Kind { Counter, Gauge };
  std::string name;  // reasonrec_..., counters end in _total
  std::string help;
  Kind kind = Kind::Counter;
  double value = 0.0;
};

// What the server calls to answer a validated request: the engine implements it.
class Completer {
 public:
  virtual ~Completer() = default;
  virtual std::vector<std::string> model_ids() const = 0;
  // Tokenises the prompts and checks what only the model can check, so that the server can
  // still answer with an error status before a stream starts. Throws ApiError for requests the
  // model cannot serve (prompt too long, unsatisfiable constraint...).
  // Compiling a new output constraint may take a while: it stops once `gone` says the client
  // has left (ApiError 499).
  virtual Completion prepare(const ApiRequest& request, const ClientGone& gone) = 0;
  // For callers without a client to watch.
  Completion prepare(const ApiRequest& request) { return prepare(request, ClientGone{}); }
  // The generation counters, for /metrics.
  virtual std::vector<Metric> metrics() const { return {}; }
};

}  // namespace reasonrec::serve
