#include "engine/chat/python_str.hpp"

#include <algorithm>

#include "util/utf8.hpp"

namespace reasonrec::engine::jinja {

std::vector<CodePoint> code_points(std::string_view s) {
  std::vector<CodePoint> out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const utf8::Char c = utf8::decode_lenient(s, i);
    out.push_back({c.code_point, i, c.length});
    i += c.length;
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

}  // namespace reasonrec::engine::jinja
