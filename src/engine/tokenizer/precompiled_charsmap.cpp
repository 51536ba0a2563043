#include "engine/tokenizer/precompiled_charsmap.hpp"

#include <cstring>

#include "engine/tokenizer/unicode.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

// darts-clone unit layout.
bool has_leaf(std::uint32_t unit) {
  return ((unit >> 8) & 1u) == 1u;
}
std::uint32_t value_of(std::uint32_t unit) {
  return unit & ((1u << 31) - 1);
}
std::uint32_t label_of(std::uint32_t unit) {
  return unit & ((1u << 31) | 0xFFu);
}
std::uint32_t offset_of(std::uint32_t unit) {
  return (unit >> 10) << ((unit & (1u << 9)) >> 6);
}

}  // namespace

PrecompiledCharsmap::PrecompiledCharsmap(std::string_view blob) {
  if (blob.size() < 4) throw Error("precompiled_charsmap is shorter than its 4-byte header");
  std::uint32_t trie_size = 0;
  std::memcpy(&trie_size, blob.data(), 4);
  if (trie_size % 4 != 0 || trie_size > blob.size() - 4) {
    throw Error("precompiled_charsmap: trie size " + std::to_string(trie_size) +
                " does not fit the " + std::to_string(blob.size()) + "-byte blob");
  }
  units_.resize(trie_size / 4);
  if (trie_size > 0) std::memcpy(units_.data(), blob.data() + 4, trie_size);
  normalized_ = std::string(blob.substr(4 + trie_size));
  if (units_.empty() && !normalized_.empty()) throw Error("precompiled_charsmap: empty trie");
}

std::vector<PrecompiledCharsmap::Match> PrecompiledCharsmap::prefix_matches(
    std::string_view key) const {
  std::vector<Match> matches;
  if (units_.empty()) return matches;
  std::size_t node = offset_of(units_[0]);
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto byte = static_cast<unsigned char>(key[i]);
    node ^= byte;
    if (node >= units_.size()) break;  // hostile trie: index outside the array
    const std::uint32_t unit = units_[node];
    if (label_of(unit) != byte) break;
    node ^= offset_of(unit);
    if (node >= units_.size()) break;
    if (has_leaf(unit)) {
      const std::uint32_t offset = value_of(units_[node]);
      if (offset >= normalized_.size()) throw Error("precompiled_charsmap: offset out of range");
      const char* start = normalized_.data() + offset;
      const std::size_t length = strnlen(start, normalized_.size() - offset);
      matches.push_back({i + 1, std::string_view(start, length)});
    }
  }
  return matches;
}

std::optional<std::string_view> PrecompiledCharsmap::transform(std::string_view chunk) const {
  // Like HF's spm_precompiled: the first (shortest) prefix match wins.
  const auto matches = prefix_matches(chunk);
  if (matches.empty()) return std::nullopt;
  return matches.front().replacement;
}

std::string PrecompiledCharsmap::normalize(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  for (const std::string_view grapheme : unicode::graphemes(text)) {
    if (grapheme.size() < 6) {
      if (const auto replaced = transform(grapheme)) {
        out.append(*replaced);
        continue;
      }
    }
    for (std::size_t pos = 0; pos < grapheme.size();) {
      const std::size_t length = utf8::decode(grapheme, pos).length;
      const std::string_view part = grapheme.substr(pos, length);
      const auto replaced = transform(part);
      out.append(replaced ? *replaced : part);
      pos += length;
    }
  }
  return out;
}

std::optional<PrecompiledCharsmap::Match> PrecompiledCharsmap::longest_match(
    std::string_view text) const {
  const auto matches = prefix_matches(text);
  if (matches.empty()) return std::nullopt;
  return matches.back();
}

std::string PrecompiledCharsmap::normalize_longest_prefix(std::string_view text) const {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const auto matches = prefix_matches(text.substr(pos));
    if (!matches.empty()) {
      out.append(matches.back().replacement);
      pos += matches.back().length;
    } else {
      const std::size_t length = utf8::decode(text, pos).length;
      out.append(text.substr(pos, length));
      pos += length;
    }
  }
  return out;
}

}  // namespace reasonrec::engine
