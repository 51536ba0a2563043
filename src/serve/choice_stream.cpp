#include "serve/choice_stream.hpp"

namespace reasonrec::serve {
namespace {

// Bytes in the sequence a lead byte starts; 1 for ASCII and for bytes that cannot lead.
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 1;
}

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

}  // namespace

std::size_t complete_utf8_prefix(std::string_view bytes) {
  const std::size_t size = bytes.size();
  // A sequence is at most 4 bytes, so only the last 3 can start an unfinished one.
  for (std::size_t back = 1; back <= 3 && back <= size; ++back) {
    const std::size_t at = size - back;
    const auto byte = static_cast<unsigned char>(bytes[at]);
    if (is_continuation(byte)) continue;
    return sequence_length(byte) > back ? at : size;
  }
  return size;
}

std::optional<ChoicePiece> ChoiceStream::add(std::string_view text,
                                             std::optional<TokenLogprobInfo> logprob) {
  held_.append(text);
  if (logprob) logprobs_.push_back(std::move(*logprob));
  const std::size_t ready = complete_utf8_prefix(held_);
  if (ready == 0) return std::nullopt;
  ChoicePiece piece{held_.substr(0, ready), sent_, std::move(logprobs_)};
  logprobs_.clear();
  held_.erase(0, ready);
  sent_ += ready;
  return piece;
}

std::optional<ChoicePiece> ChoiceStream::finish(std::string_view final_text) {
  const std::string_view rest =
      sent_ < final_text.size() ? final_text.substr(sent_) : std::string_view();
  held_.clear();
  if (rest.empty() && logprobs_.empty()) return std::nullopt;
  ChoicePiece piece{std::string(rest), sent_, std::move(logprobs_)};
  logprobs_.clear();
  sent_ += rest.size();
  return piece;
}

}  // namespace reasonrec::serve
