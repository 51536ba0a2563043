#include "engine/serving/stream_text.hpp"

#include <algorithm>

namespace reasonrec::engine {
namespace {

// Bytes a UTF-8 sequence that starts with `lead` has; 1 for anything that is not a lead byte
// (ASCII, or invalid bytes, which no later byte can complete).
std::size_t sequence_length(unsigned char lead) {
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  return 1;
}

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

// Where an incomplete UTF-8 sequence at the end of `text` starts; text.size() if none.
std::size_t incomplete_utf8_start(std::string_view text) {
  const std::size_t n = text.size();
  for (std::size_t back = 1; back <= std::min<std::size_t>(4, n); ++back) {
    const auto byte = static_cast<unsigned char>(text[n - back]);
    if (is_continuation(byte)) continue;
    return sequence_length(byte) > back ? n - back : n;
  }
  return n;
}

}  // namespace

std::size_t final_bytes(std::string_view text, std::span<const std::string> stops) {
  std::size_t end = incomplete_utf8_start(text);
  // A later match must start where the rest of the text is a proper prefix of a stop string.
  for (const std::string& stop : stops) {
    if (stop.empty()) continue;
    const std::size_t longest = std::min(stop.size() - 1, text.size());
    for (std::size_t length = longest; length > 0; --length) {
      const std::size_t start = text.size() - length;
      if (start >= end) break;  // already held back
      if (text.compare(start, length, stop, 0, length) == 0) {
        end = start;
        break;
      }
    }
  }
  return end;
}

}  // namespace reasonrec::engine
