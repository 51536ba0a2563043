#include "data/item_text.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <unordered_set>

#include "util/utf8.hpp"

namespace reasonrec::data {

namespace {

struct Entity {
  std::string_view name;
  std::uint32_t code_point;
};

// The named references that occur in Amazon metadata and reviews, sorted by name.
constexpr std::array<Entity, 60> kEntities{{
    {"AElig", 0xC6},  {"Aacute", 0xC1},   {"Agrave", 0xC0},  {"Eacute", 0xC9}, {"Ntilde", 0xD1},
    {"Ouml", 0xD6},   {"Uuml", 0xDC},     {"aacute", 0xE1},  {"acirc", 0xE2},  {"acute", 0xB4},
    {"aelig", 0xE6},  {"agrave", 0xE0},   {"amp", 0x26},     {"apos", 0x27},   {"aring", 0xE5},
    {"atilde", 0xE3}, {"auml", 0xE4},     {"bull", 0x2022},  {"ccedil", 0xE7}, {"cent", 0xA2},
    {"copy", 0xA9},   {"deg", 0xB0},      {"divide", 0xF7},  {"eacute", 0xE9}, {"ecirc", 0xEA},
    {"egrave", 0xE8}, {"euml", 0xEB},     {"euro", 0x20AC},  {"frac12", 0xBD}, {"frac14", 0xBC},
    {"gt", 0x3E},     {"hellip", 0x2026}, {"iacute", 0xED},  {"icirc", 0xEE},  {"iuml", 0xEF},
    {"laquo", 0xAB},  {"ldquo", 0x201C},  {"lsquo", 0x2018}, {"lt", 0x3C},     {"mdash", 0x2014},
    {"middot", 0xB7}, {"nbsp", 0xA0},     {"ndash", 0x2013}, {"ntilde", 0xF1}, {"oacute", 0xF3},
    {"ocirc", 0xF4},  {"ouml", 0xF6},     {"para", 0xB6},    {"plusmn", 0xB1}, {"pound", 0xA3},
    {"quot", 0x22},   {"raquo", 0xBB},    {"rdquo", 0x201D}, {"reg", 0xAE},    {"rsquo", 0x2019},
    {"sect", 0xA7},   {"szlig", 0xDF},    {"trade", 0x2122}, {"uacute", 0xFA}, {"uuml", 0xFC},
}};

static_assert(std::is_sorted(kEntities.begin(), kEntities.end(),
                             [](const Entity& a, const Entity& b) { return a.name < b.name; }),
              "kEntities must stay sorted for the binary search");

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

std::string unescape_html(std::string_view text) {
  if (text.find('&') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] != '&') {
      out.push_back(text[i++]);
      continue;
    }
    const std::size_t semi = text.find(';', i + 1);
    if (semi == std::string_view::npos || semi - i > 12) {
      out.push_back(text[i++]);
      continue;
    }
    const std::string_view body = text.substr(i + 1, semi - i - 1);
    std::uint32_t cp = 0;
    bool ok = false;
    if (body.size() >= 2 && body[0] == '#') {
      const bool hex = body[1] == 'x' || body[1] == 'X';
      const std::string_view digits = body.substr(hex ? 2 : 1);
      ok = !digits.empty() && digits.size() <= 7;
      for (char c : digits) {
        const auto u = static_cast<unsigned char>(c);
        if (hex && std::isxdigit(u)) {
          cp = cp * 16 +
               static_cast<std::uint32_t>(std::isdigit(u) ? c - '0' : (std::tolower(u) - 'a' + 10));
        } else if (!hex && std::isdigit(u)) {
          cp = cp * 10 + static_cast<std::uint32_t>(c - '0');
        } else {
          ok = false;
          break;
        }
      }
      if (ok && (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) cp = 0xFFFD;
    } else {
      const auto it =
          std::lower_bound(kEntities.begin(), kEntities.end(), body,
                           [](const Entity& e, std::string_view n) { return e.name < n; });
      if (it != kEntities.end() && it->name == body) {
        cp = it->code_point;
        ok = true;
      }
    }
    if (!ok) {
      out.push_back(text[i++]);
      continue;
    }
    utf8::append(out, cp == 0xA0 ? 0x20 : cp);  // a no-break space is just a space in a prompt
    i = semi + 1;
  }
  return out;
}

std::string strip_tags(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '<') {
      // A tag starts with a letter, '/' or '!'; anything else is a literal '<' ("a < b").
      const bool tag_like =
          i + 1 < text.size() && (std::isalpha(static_cast<unsigned char>(text[i + 1])) ||
                                  text[i + 1] == '/' || text[i + 1] == '!');
      const std::size_t close = tag_like ? text.find('>', i + 1) : std::string_view::npos;
      if (close != std::string_view::npos) {
        pending_space = true;
        i = close + 1;
        continue;
      }
    }
    if (is_space(c)) {
      pending_space = true;
      ++i;
      continue;
    }
    if (pending_space && !out.empty()) out.push_back(' ');
    pending_space = false;
    out.push_back(static_cast<char>(c));
    ++i;
  }
  return out;
}

bool looks_like_markup(std::string_view raw) {
  static constexpr std::array<std::string_view, 12> kMarkers{
      "a-size-",        "a-color-",  "a-box-",      "a-section", "<script", "<style",
      "getElementById", "function(", "{background", "/>",        "=\"",     "var "};
  for (std::string_view m : kMarkers) {
    if (raw.find(m) != std::string_view::npos) return true;
  }
  // An opening tag that never closes: the field was cut out of the middle of a page.
  const std::size_t lt = raw.find('<');
  if (lt != std::string_view::npos && lt + 1 < raw.size() &&
      std::isalpha(static_cast<unsigned char>(raw[lt + 1])) &&
      raw.find('>', lt) == std::string_view::npos) {
    return true;
  }
  return false;
}

std::string clean_text(std::string_view raw) {
  if (raw.empty() || looks_like_markup(raw)) return {};
  // Decode first so that escaped tags (&lt;br&gt;) are stripped too, then collapse whitespace
  // (which also turns decoded no-break spaces into plain ones).
  std::string text = strip_tags(unescape_html(strip_tags(raw)));
  if (!utf8::is_valid(text)) text = utf8::sanitize_per_byte(text);
  return text;
}

std::string join_clean(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  std::unordered_set<std::string> seen;
  for (const auto& part : parts) {
    std::string cleaned = clean_text(part);
    if (cleaned.empty() || !seen.insert(cleaned).second) continue;
    if (!out.empty()) out.append(separator);
    out += cleaned;
  }
  return out;
}

std::string format_price(double value) {
  if (!(value >= 0) || value > 1e9) return {};
  char buf[64];
  std::snprintf(buf, sizeof buf, "$%.2f", value);
  return buf;
}

std::string normalize_price(std::string_view raw) {
  std::string text = clean_text(raw);
  // A price is digits with optional '$', ',', '.', and an optional " - " range.
  if (text.empty()) return {};
  bool has_digit = false;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isdigit(u)) {
      has_digit = true;
    } else if (c != '$' && c != '.' && c != ',' && c != ' ' && c != '-') {
      return {};
    }
  }
  if (!has_digit) return {};
  if (text[0] != '$') text.insert(text.begin(), '$');
  return text;
}

}  // namespace reasonrec::data
