#include "util/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace reasonrec::utf8 {

namespace {

constexpr char32_t kReplacement = 0xFFFD;
constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

Char invalid(std::size_t length) {
  return {kReplacement, length, false};
}

// Length of the run of ASCII bytes starting at text[pos]: most text is ASCII, and eight bytes
// at a time keep validation close to memory speed.
std::size_t ascii_run(std::string_view text, std::size_t pos) {
  const std::size_t start = pos;
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  while (pos + 8 <= text.size()) {
    std::uint64_t word = 0;
    std::memcpy(&word, text.data() + pos, 8);
    if ((word & kHighBits) != 0) break;
    pos += 8;
  }
  while (pos < text.size() && static_cast<unsigned char>(text[pos]) < 0x80) ++pos;
  return pos - start;
}

}  // namespace

Char decode(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) return {lead, 1, true};
  std::size_t need = 0;
  char32_t cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1, cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2, cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3, cp = lead & 0x07u;
  } else {
    return invalid(1);
  }
  // The second byte's range excludes overlongs, surrogates and code points past U+10FFFF.
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead == 0xE0) low = 0xA0;
  if (lead == 0xED) high = 0x9F;
  if (lead == 0xF0) low = 0x90;
  if (lead == 0xF4) high = 0x8F;
  for (std::size_t i = 1; i <= need; ++i) {
    if (pos + i >= text.size()) return invalid(i);
    const unsigned char c = byte(pos + i);
    if (c < low || c > high) return invalid(i);
    low = 0x80, high = 0xBF;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  return {cp, need + 1, true};
}

Char decode_lenient(std::string_view text, std::size_t pos) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  std::size_t length = 0;
  char32_t cp = 0;
  if (lead < 0x80) {
    return {lead, 1, true};
  } else if ((lead & 0xE0) == 0xC0) {
    length = 2, cp = lead & 0x1Fu;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, cp = lead & 0x0Fu;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, cp = lead & 0x07u;
  } else {
    return invalid(1);
  }
  if (pos + length > text.size()) return invalid(1);
  for (std::size_t k = 1; k < length; ++k) {
    const auto c = static_cast<unsigned char>(text[pos + k]);
    if ((c & 0xC0) != 0x80) return invalid(1);
    cp = (cp << 6) | (c & 0x3Fu);
  }
  return {cp, length, true};
}

void append(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode(char32_t cp) {
  std::string out;
  append(out, cp);
  return out;
}

bool is_valid(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    pos += ascii_run(text, pos);
    if (pos == text.size()) break;
    const Char c = decode(text, pos);
    if (!c.valid) return false;
    pos += c.length;
  }
  return true;
}

std::string sanitize(std::string_view text) {
  if (is_valid(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t pos = 0; pos < text.size();) {
    const Char c = decode(text, pos);
    if (c.valid) {
      out.append(text.substr(pos, c.length));
    } else {
      out += kReplacementUtf8;
    }
    pos += c.length;
  }
  return out;
}

std::string sanitize_per_byte(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const Char c = decode(text, pos);
    if (c.valid) {
      out.append(text.substr(pos, c.length));
      pos += c.length;
    } else {
      out += kReplacementUtf8;
      ++pos;
    }
  }
  return out;
}

std::size_t length(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t pos = 0; pos < text.size(); ++n) pos += decode(text, pos).length;
  return n;
}

}  // namespace reasonrec::utf8
