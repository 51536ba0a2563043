#include "eval/python_re.hpp"

#include <algorithm>

#include "eval/python_re_tables.hpp"

namespace reasonrec::eval::pyre {
namespace {

bool in_ranges(const tables::CodePointRange* ranges, std::size_t size, char32_t c) {
  const tables::CodePointRange* end = ranges + size;
  const auto* it = std::upper_bound(
      ranges, end, c,
      [](char32_t value, const tables::CodePointRange& r) { return value < r.first; });
  return it != ranges && c <= (it - 1)->last;
}

}  // namespace

bool is_word(char32_t c) {
  if (c < 0x80) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }
  return in_ranges(tables::kWord, tables::kWordSize, c);
}

bool is_decimal(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return in_ranges(tables::kDecimal, tables::kDecimalSize, c);
}

}  // namespace reasonrec::eval::pyre
