// What a hostile client can send `serve`: bytes in any split reach the HTTP request reader;
// a request it accepts for a completion route goes through the API request parser, and a
// guided_regex through the constraint compiler with the server's budgets. Each stage must
// answer or refuse (with the statuses the server uses), never crash, hang or grow without bound
// (run_fuzzers.sh gives every input a time and memory limit).
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/constraint/byte_dfa.hpp"
#include "engine/constraint/regex.hpp"
#include "http/request_reader.hpp"
#include "serve/api_error.hpp"
#include "serve/api_request.hpp"
#include "util/error.hpp"

namespace {

void parse_api_request(const reasonrec::http::Request& request) {
  using reasonrec::serve::Route;
  const bool chat = request.path == "/v1/chat/completions";
  if (!chat && request.path != "/v1/completions") return;
  try {
    const auto api =
        reasonrec::serve::parse_request(chat ? Route::Chat : Route::Completion, request.body);
    if (!api.guided_regex.empty()) {
      const reasonrec::engine::ByteDfa dfa(reasonrec::engine::compile_regex(api.guided_regex),
                                           2000);
      (void)dfa.cost_to_finish(dfa.start());
    }
  } catch (const reasonrec::serve::ApiError& e) {
    if (e.status() < 400 || e.status() >= 500) __builtin_trap();
  } catch (const reasonrec::UsageError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks how the rest arrives: in pieces of 1 to 256 bytes.
  const std::size_t piece = static_cast<std::size_t>(data[0]) + 1;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  reasonrec::http::RequestLimits limits;
  limits.max_body_bytes = 1u << 16;
  limits.max_header_bytes = 1u << 13;
  limits.max_request_line_bytes = 1u << 11;
  reasonrec::http::RequestReader reader(limits);
  std::string input;
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    input.append(bytes.substr(at, piece));
    for (;;) {
      const auto state = reader.feed(input);
      if (state == reasonrec::http::RequestReader::State::NeedMore) break;
      if (state == reasonrec::http::RequestReader::State::Failed) {
        const int status = reader.error_status();
        if (status != 400 && status != 413 && status != 414 && status != 417 && status != 431) {
          __builtin_trap();
        }
        return 0;  // the server answers and closes
      }
      const reasonrec::http::Request request = reader.take();
      if (request.body.size() > limits.max_body_bytes) __builtin_trap();
      parse_api_request(request);
      reader.reset();
      if (input.empty()) break;
    }
    // Never more than one piece plus what a request's head may hold is kept unparsed.
    if (input.size() > piece + limits.max_header_bytes + limits.max_request_line_bytes + 2) {
      __builtin_trap();
    }
  }
  return 0;
}
