#include "engine/tokenizer/byte_level.hpp"

#include <array>

#include "util/utf8.hpp"

namespace reasonrec::engine::byte_level {

namespace {

// Printable Latin-1 bytes stand for themselves; the others are shifted to 256 + n in order.
std::array<char32_t, 256> make_table() {
  std::array<char32_t, 256> table{};
  char32_t next = 256;
  for (unsigned b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
    table[b] = printable ? static_cast<char32_t>(b) : next++;
  }
  return table;
}

const std::array<char32_t, 256>& table() {
  static const std::array<char32_t, 256> kTable = make_table();
  return kTable;
}

}  // namespace

const std::string& char_of(std::uint8_t byte) {
  static const std::array<std::string, 256> kStrings = [] {
    std::array<std::string, 256> strings;
    for (unsigned b = 0; b < 256; ++b) strings[b] = utf8::encode(table()[b]);
    return strings;
  }();
  return kStrings[byte];
}

std::optional<std::uint8_t> byte_of(char32_t character) {
  if (character < 256) {
    const auto b = static_cast<std::uint8_t>(character);
    if (table()[b] == character) return b;
    return std::nullopt;
  }
  if (character < 256 + 68) {  // 68 bytes are not printable: 0-32, 127-160, 173
    for (unsigned b = 0; b < 256; ++b) {
      if (table()[b] == character) return static_cast<std::uint8_t>(b);
    }
  }
  return std::nullopt;
}

std::string encode(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) out += char_of(static_cast<std::uint8_t>(c));
  return out;
}

std::optional<std::string> decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::Char c = utf8::decode(text, pos);
    const auto b = byte_of(c.code_point);
    if (!b) return std::nullopt;
    out.push_back(static_cast<char>(*b));
    pos += c.length;
  }
  return out;
}

}  // namespace reasonrec::engine::byte_level
