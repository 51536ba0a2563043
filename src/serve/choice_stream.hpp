#pragma once

// Streams one choice token by token. A token can end inside a UTF-8 sequence (byte-level and
// byte-fallback vocabularies split characters), and a client decodes each chunk on its own, so
// such bytes wait for the rest of their character before they are sent.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "serve/api_response.hpp"

namespace reasonrec::serve {

// Length of the longest prefix of `bytes` that does not end inside a UTF-8 sequence which
// could still be completed (a lead byte followed by fewer continuation bytes than it needs).
// Invalid bytes are not held: nothing can complete them.
std::size_t complete_utf8_prefix(std::string_view bytes);

struct ChoicePiece {
  std::string text;
  std::size_t text_offset = 0;  // bytes of the choice sent before this piece
  std::vector<TokenLogprobInfo> logprobs;
};

class ChoiceStream {
 public:
  // A token's final text and, when asked for, its log-probabilities. Returns the piece to send
  // now; nothing while the text so far ends inside a UTF-8 sequence.
  std::optional<ChoicePiece> add(std::string_view text, std::optional<TokenLogprobInfo> logprob);
  // At the end: what of `final_text` (the whole choice) has not been sent yet, with the
  // log-probabilities still waiting. The engine's pieces are prefixes of the final text, so
  // the stream concatenates to it even if the engine kept some bytes to itself.
  std::optional<ChoicePiece> finish(std::string_view final_text);

 private:
  std::string held_;
  std::size_t sent_ = 0;
  std::vector<TokenLogprobInfo> logprobs_;
};

}  // namespace reasonrec::serve
