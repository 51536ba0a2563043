#include "engine/tokenizer/utf8.hpp"

namespace reasonrec::engine::utf8 {

namespace {

// A literal U+FFFD in the text (as opposed to a decoding error).
bool is_replacement_char(std::string_view text, std::size_t pos) {
  return text.compare(pos, 3, "\xEF\xBF\xBD") == 0;
}

}  // namespace

Char decode(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) return {lead, 1};
  std::size_t need = 0;
  char32_t cp = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1, cp = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2, cp = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3, cp = lead & 0x07u;
  } else {
    return {0xFFFD, 1};
  }
  // The second byte's range excludes overlongs, surrogates and code points past U+10FFFF.
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead == 0xE0) low = 0xA0;
  if (lead == 0xED) high = 0x9F;
  if (lead == 0xF0) low = 0x90;
  if (lead == 0xF4) high = 0x8F;
  for (std::size_t i = 1; i <= need; ++i) {
    // An invalid sequence is replaced as a whole "maximal subpart" (Unicode, WHATWG and
    // Rust's from_utf8_lossy agree): the valid prefix read so far.
    if (pos + i >= text.size()) return {0xFFFD, i};
    const unsigned char c = byte(pos + i);
    if (c < low || c > high) return {0xFFFD, i};
    low = 0x80, high = 0xBF;
    cp = (cp << 6) | (c & 0x3Fu);
  }
  return {cp, need + 1};
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

std::string sanitize(std::string_view text) {
  if (is_valid(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t pos = 0; pos < text.size();) {
    const Char c = decode(text, pos);
    if (c.code_point == 0xFFFD && !is_replacement_char(text, pos)) {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(text.substr(pos, c.length));
    }
    pos += c.length;
  }
  return out;
}

bool is_valid(std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const Char c = decode(text, pos);
    if (c.code_point == 0xFFFD && !is_replacement_char(text, pos)) return false;
    pos += c.length;
  }
  return true;
}

std::size_t length(std::string_view text) {
  std::size_t n = 0;
  for (std::size_t pos = 0; pos < text.size(); ++n) pos += decode(text, pos).length;
  return n;
}

}  // namespace reasonrec::engine::utf8
