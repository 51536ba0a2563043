#include "eval/python_text.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <utility>

#include "eval/python_unicode_tables.hpp"
#include "util/utf8.hpp"

namespace reasonrec::eval::pytext {

namespace {

constexpr char32_t kEscapeBase = 0xDC00;  // invalid byte b decodes to U+DC00 + b
constexpr char32_t kCapitalSigma = 0x3A3;
constexpr char32_t kSmallSigma = 0x3C3;
constexpr char32_t kFinalSigma = 0x3C2;
constexpr char32_t kDottedCapitalI = 0x130;

bool is_continuation(unsigned char b) {
  return (b & 0xC0) == 0x80;
}

bool in_ranges(const tables::CodePointRange* ranges, std::size_t size, char32_t c) {
  const auto* end = ranges + size;
  const auto* it = std::upper_bound(
      ranges, end, c, [](char32_t v, const tables::CodePointRange& r) { return v < r.first; });
  return it != ranges && c <= (it - 1)->last;
}

bool is_cased(char32_t c) {
  return in_ranges(tables::kCased, tables::kCasedSize, c);
}

bool is_case_ignorable(char32_t c) {
  return in_ranges(tables::kCaseIgnorable, tables::kCaseIgnorableSize, c);
}

// The single-code-point lowercase mappings, expanded once from the generated runs.
const std::vector<std::pair<char32_t, char32_t>>& lower_map() {
  static const std::vector<std::pair<char32_t, char32_t>> map = [] {
    std::vector<std::pair<char32_t, char32_t>> m;
    for (std::size_t i = 0; i < tables::kLowerRunsSize; ++i) {
      const auto& run = tables::kLowerRuns[i];
      for (std::uint32_t c = run.first; c <= run.last; c += run.stride) {
        m.emplace_back(static_cast<char32_t>(c),
                       static_cast<char32_t>(static_cast<std::int64_t>(c) + run.delta));
      }
    }
    std::sort(m.begin(), m.end());
    return m;
  }();
  return map;
}

char32_t simple_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  const auto& map = lower_map();
  const auto it = std::lower_bound(map.begin(), map.end(), std::make_pair(c, char32_t{0}));
  return (it != map.end() && it->first == c) ? it->second : c;
}

constexpr bool is_ascii_space(unsigned char b) {
  return (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20);
}

// Length in bytes of the whitespace code point at text[pos], or 0 if it is not whitespace.
std::size_t space_length_at(std::string_view text, std::size_t pos) {
  const auto b = static_cast<unsigned char>(text[pos]);
  if (b < 0x80) return is_ascii_space(b) ? 1 : 0;
  if (b != 0xC2 && b != 0xE1 && b != 0xE2 && b != 0xE3) return 0;  // no spaces elsewhere
  std::size_t next = pos;
  const char32_t c = next_code_point(text, next);
  return is_space(c) ? next - pos : 0;
}

// Python's Final_Sigma context for the U+03A3 at index i.
bool final_sigma(const std::u32string& s, std::size_t i) {
  std::size_t j = i;
  while (j > 0 && is_case_ignorable(s[j - 1])) --j;
  if (j == 0 || !is_cased(s[j - 1])) return false;
  j = i + 1;
  while (j < s.size() && is_case_ignorable(s[j])) ++j;
  return j == s.size() || !is_cased(s[j]);
}

void append_code_point_or_byte(std::string& out, char32_t c) {
  if (c >= kEscapeBase + 0x80 && c <= kEscapeBase + 0xFF) {
    out.push_back(static_cast<char>(c - kEscapeBase));  // an invalid byte, kept as it was
  } else {
    utf8::append(out, c);
  }
}

// Byte classes for split(): 0 never starts whitespace, 1 is ASCII whitespace, 2 may start a
// multi-byte whitespace code point.
constexpr std::array<std::uint8_t, 256> kSplitClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int b = 0; b < 128; ++b) t[b] = is_ascii_space(static_cast<unsigned char>(b)) ? 1 : 0;
  t[0xC2] = t[0xE1] = t[0xE2] = t[0xE3] = 2;
  return t;
}();

// Length of the whitespace at text[pos] (0 if none), given its byte class.
std::size_t space_at(std::string_view text, std::size_t pos, std::uint8_t cls) {
  return cls == 1 ? 1 : (cls == 2 ? space_length_at(text, pos) : 0);
}

}  // namespace

char32_t next_code_point(std::string_view text, std::size_t& pos) {
  const utf8::Char c = utf8::decode(text, pos);
  if (!c.valid) {
    return kEscapeBase + static_cast<unsigned char>(text[pos++]);
  }
  pos += c.length;
  return c.code_point;
}

std::u32string decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) out.push_back(next_code_point(text, pos));
  return out;
}

std::string encode(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) append_code_point_or_byte(out, c);
  return out;
}

bool is_space(char32_t c) {
  if (c < 0x80) return is_ascii_space(static_cast<unsigned char>(c));
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

void split_into(std::string_view text, std::vector<std::string_view>& out) {
  const std::size_t n = text.size();
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::size_t pos = 0;
  while (pos < n) {
    // Skip whitespace.
    while (pos < n) {
      const std::size_t len = space_at(text, pos, kSplitClass[byte(pos)]);
      if (len == 0) break;
      pos += len;
    }
    if (pos >= n) break;
    // A word runs to the next whitespace; most bytes are class 0 and cost one lookup.
    const std::size_t start = pos++;
    while (pos < n) {
      if (std::endian::native == std::endian::little && pos + 8 <= n) {
        // Eight bytes at a time: skip them unless one is below '!' or not ASCII (the only
        // bytes that can start whitespace). The lowest flagged byte is exact.
        std::uint64_t v;
        std::memcpy(&v, text.data() + pos, 8);
        const std::uint64_t below = (v - 0x2121212121212121ULL) & ~v & 0x8080808080808080ULL;
        const std::uint64_t special = below | (v & 0x8080808080808080ULL);
        if (special == 0) {
          pos += 8;
          continue;
        }
        pos += static_cast<std::size_t>(std::countr_zero(special)) / 8;
      }
      const std::uint8_t cls = kSplitClass[byte(pos)];
      if (cls == 0 || space_at(text, pos, cls) == 0) {
        ++pos;
      } else {
        break;
      }
    }
    out.push_back(text.substr(start, pos - start));
  }
}

std::vector<std::string_view> split(std::string_view text) {
  std::vector<std::string_view> out;
  split_into(text, out);
  return out;
}

std::string_view rstrip(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0) {
    const auto last = static_cast<unsigned char>(text[end - 1]);
    if (last < 0x80) {
      if (!is_ascii_space(last)) break;
      --end;
      continue;
    }
    // The last code point starts at the nearest byte that is not a continuation byte (no
    // valid sequence can run across such a byte, so forward decoding also starts there);
    // if it does not decode to exactly the remaining bytes, the last byte is invalid alone.
    std::size_t start = end - 1;
    while (start > 0 && end - start < 4 &&
           is_continuation(static_cast<unsigned char>(text[start]))) {
      --start;
    }
    std::size_t pos = start;
    const char32_t c = next_code_point(text, pos);
    if (pos != end || !is_space(c)) break;
    end = start;
  }
  return text.substr(0, end);
}

std::string_view strip(std::string_view text) {
  std::size_t pos = 0;
  std::size_t len;
  while (pos < text.size() && (len = space_length_at(text, pos)) != 0) pos += len;
  return rstrip(text.substr(pos));
}

std::string lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const bool has_capital_sigma = text.find("\xCE\xA3") != std::string_view::npos;
  if (!has_capital_sigma) {
    for (std::size_t pos = 0; pos < text.size();) {
      const auto b = static_cast<unsigned char>(text[pos]);
      if (b < 0x80) {
        out.push_back(static_cast<char>((b >= 'A' && b <= 'Z') ? b + 32 : b));
        ++pos;
        continue;
      }
      const char32_t c = next_code_point(text, pos);
      if (c == kDottedCapitalI) {
        out += "i\xCC\x87";
      } else {
        append_code_point_or_byte(out, simple_lower(c));
      }
    }
    return out;
  }
  // The Final_Sigma rule looks at neighbouring code points: work on the decoded text.
  const std::u32string s = decode(text);
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (c == kCapitalSigma) {
      utf8::append(out, final_sigma(s, i) ? kFinalSigma : kSmallSigma);
    } else if (c == kDottedCapitalI) {
      out += "i\xCC\x87";
    } else {
      append_code_point_or_byte(out, simple_lower(c));
    }
  }
  return out;
}

std::size_t length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count) next_code_point(text, pos);
  return count;
}

}  // namespace reasonrec::eval::pytext
