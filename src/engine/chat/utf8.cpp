#include "engine/chat/utf8.hpp"

#include <algorithm>

namespace reasonrec::engine::jinja {

std::vector<CodePoint> code_points(std::string_view s) {
  std::vector<CodePoint> out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    char32_t c = 0;
    if (b < 0x80) {
      n = 1;
      c = b;
    } else if ((b & 0xE0) == 0xC0) {
      n = 2;
      c = b & 0x1F;
    } else if ((b & 0xF0) == 0xE0) {
      n = 3;
      c = b & 0x0F;
    } else if ((b & 0xF8) == 0xF0) {
      n = 4;
      c = b & 0x07;
    }
    bool valid = n > 0 && i + n <= s.size();
    for (std::size_t k = 1; valid && k < n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) valid = false;
      c = (c << 6) | (cont & 0x3F);
    }
    if (!valid) {
      out.push_back({0xFFFD, i, 1});
      ++i;
      continue;
    }
    out.push_back({c, i, n});
    i += n;
  }
  return out;
}

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (char ch : s) {
    if ((static_cast<unsigned char>(ch) & 0xC0) != 0x80) ++n;
  }
  return n;
}

bool is_python_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

namespace {

template <typename Pred>
std::string_view strip_if(std::string_view s, bool left, bool right, Pred is_stripped) {
  const auto cps = code_points(s);
  std::size_t begin = 0;
  std::size_t end = cps.size();
  if (left) {
    while (begin < end && is_stripped(cps[begin].value)) ++begin;
  }
  if (right) {
    while (end > begin && is_stripped(cps[end - 1].value)) --end;
  }
  if (begin == end) return s.substr(0, 0);
  const std::size_t from = cps[begin].offset;
  const std::size_t to = cps[end - 1].offset + cps[end - 1].size;
  return s.substr(from, to - from);
}

}  // namespace

std::string_view strip(std::string_view s) {
  return strip_if(s, true, true, is_python_space);
}
std::string_view lstrip(std::string_view s) {
  return strip_if(s, true, false, is_python_space);
}
std::string_view rstrip(std::string_view s) {
  return strip_if(s, false, true, is_python_space);
}

std::string_view strip_chars(std::string_view s, std::string_view chars, bool left, bool right) {
  const auto set = code_points(chars);
  return strip_if(s, left, right, [&](char32_t c) {
    return std::any_of(set.begin(), set.end(), [c](const CodePoint& p) { return p.value == c; });
  });
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

}  // namespace reasonrec::engine::jinja
