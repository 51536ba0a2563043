#include "prompt/rating_mentions.hpp"

#include <array>
#include <string>

namespace reasonrec::prompt {

namespace {

unsigned char byte_at(std::string_view s, std::size_t i) {
  return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
}

bool is_ascii_letter(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ascii_digit(unsigned char c) {
  return c >= '0' && c <= '9';
}
bool is_blank(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// The decimal digit at s[i] in any script we accept, with its byte length; -1 otherwise.
int digit_at(std::string_view s, std::size_t i, std::size_t& length) {
  const unsigned char c = byte_at(s, i), c1 = byte_at(s, i + 1), c2 = byte_at(s, i + 2);
  if (is_ascii_digit(c)) {
    length = 1;
    return c - '0';
  }
  if (c == 0xEF && c1 == 0xBC && c2 >= 0x90 && c2 <= 0x99) {  // U+FF10.. full-width
    length = 3;
    return c2 - 0x90;
  }
  if (c == 0xD9 && c1 >= 0xA0 && c1 <= 0xA9) {  // U+0660.. Arabic-Indic
    length = 2;
    return c1 - 0xA0;
  }
  if (c == 0xDB && c1 >= 0xB0 && c1 <= 0xB9) {  // U+06F0.. Extended Arabic-Indic (Persian)
    length = 2;
    return c1 - 0xB0;
  }
  if (c == 0xE0 && (c1 == 0xA5 || c1 == 0xA7) && c2 >= 0xA6 && c2 <= 0xAF) {
    length = 3;  // U+0966.. Devanagari, U+09E6.. Bengali
    return c2 - 0xA6;
  }
  return -1;
}

// Star glyphs: 1 for a filled star (★ U+2605, ⭐ U+2B50), 0 for an empty one (☆ U+2606).
int star_glyph_at(std::string_view s, std::size_t i, std::size_t& length) {
  const unsigned char c = byte_at(s, i), c1 = byte_at(s, i + 1), c2 = byte_at(s, i + 2);
  if (c == 0xE2 && c1 == 0x98 && (c2 == 0x85 || c2 == 0x86)) {
    length = 3;
    return c2 == 0x85 ? 1 : 0;
  }
  if (c == 0xE2 && c1 == 0xAD && c2 == 0x90) {
    length = 3;
    // A following variation selector U+FE0F belongs to the emoji.
    if (byte_at(s, i + 3) == 0xEF && byte_at(s, i + 4) == 0xB8 && byte_at(s, i + 5) == 0x8F) {
      length = 6;
    }
    return 1;
  }
  return -1;
}

constexpr std::array<std::string_view, 11> kNumberWords{
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"};

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Scanner {
 public:
  explicit Scanner(std::string_view text) : s_(text), low_(lower_ascii(text)) {}

  std::vector<RatingMention> run() {
    find_numbers();
    for (std::size_t i = 0; i < found_.size(); ++i) {
      if (!found_[i].ignored) classify(i);
    }
    return std::move(found_);
  }

 private:
  void find_numbers() {
    std::size_t i = 0;
    while (i < s_.size()) {
      std::size_t length = 0;
      if (digit_at(s_, i, length) >= 0) {
        i = read_number(i);
      } else if (star_glyph_at(s_, i, length) >= 0) {
        i = read_stars(i);
      } else if (is_ascii_letter(byte_at(s_, i))) {
        i = read_word(i);
      } else {
        ++i;
      }
    }
  }

  std::size_t read_number(std::size_t start) {
    double value = 0;
    std::size_t i = start, length = 0;
    int d;
    while ((d = digit_at(s_, i, length)) >= 0) {
      value = value * 10 + d;
      i += length;
    }
    if (byte_at(s_, i) == '.' && digit_at(s_, i + 1, length) >= 0) {
      double unit = 0.1;
      ++i;
      while ((d = digit_at(s_, i, length)) >= 0) {
        value += d * unit;
        unit /= 10;
        i += length;
      }
    }
    const bool glued_before = start > 0 && (is_ascii_letter(byte_at(s_, start - 1)) ||
                                            is_ascii_digit(byte_at(s_, start - 1)));
    if (glued_before || is_ascii_letter(byte_at(s_, i))) return i;  // "B5", "4th", "SPF30"
    RatingMention m;
    m.begin = start;
    m.end = i;
    // A minus sign right before, not between two numbers: "-1".
    if (start > 0 && s_[start - 1] == '-' &&
        (start == 1 || !is_ascii_digit(byte_at(s_, start - 2)))) {
      value = -value;
    }
    m.value = value;
    found_.push_back(m);
    return i;
  }

  std::size_t read_stars(std::size_t start) {
    std::size_t i = start, length = 0;
    int filled = 0, empty = 0, g;
    while ((g = star_glyph_at(s_, i, length)) >= 0) {
      (g == 1 ? filled : empty) += 1;
      i += length;
    }
    RatingMention m;
    m.begin = start;
    m.end = i;
    m.value = filled;
    m.stars = true;
    if (empty > 0) m.scale = filled + empty;
    // A lone filled star is decoration ("Great pick ⭐"), not a 1-star rating.
    if (filled + empty == 1) m.ignored = true;
    found_.push_back(m);
    return i;
  }

  std::size_t read_word(std::size_t start) {
    std::size_t i = start;
    while (is_ascii_letter(byte_at(s_, i))) ++i;
    if (start > 0 &&
        (is_ascii_letter(byte_at(s_, start - 1)) || is_ascii_digit(byte_at(s_, start - 1)))) {
      return i;
    }
    const std::string_view w = std::string_view(low_).substr(start, i - start);
    for (std::size_t v = 0; v < kNumberWords.size(); ++v) {
      if (w == kNumberWords[v]) {
        RatingMention m;
        m.begin = start;
        m.end = i;
        m.value = static_cast<double>(v);
        m.word = true;
        found_.push_back(m);
        break;
      }
    }
    return i;
  }

  std::size_t skip_blanks(std::size_t i) const {
    while (i < s_.size() && is_blank(byte_at(s_, i))) ++i;
    return i;
  }

  bool starts_with(std::size_t i, std::string_view prefix) const {
    return std::string_view(low_).substr(i, prefix.size()) == prefix;
  }

  // A whole word at i (not followed by a letter).
  bool word_at(std::size_t i, std::string_view word) const {
    return starts_with(i, word) && !is_ascii_letter(byte_at(s_, i + word.size()));
  }

  // The mention starting exactly at byte i, if any.
  RatingMention* mention_at(std::size_t i) {
    for (auto& m : found_) {
      if (m.begin == i) return &m;
    }
    return nullptr;
  }

  // The text before byte i on the same line, lower-cased, without trailing blanks.
  std::string_view before(std::size_t i) const {
    std::size_t from = 0;
    if (i > 0) {
      const auto newline = low_.rfind('\n', i - 1);
      if (newline != std::string::npos) from = newline + 1;
    }
    std::string_view b = std::string_view(low_).substr(from, i - from);
    while (!b.empty() && is_blank(static_cast<unsigned char>(b.back()))) b.remove_suffix(1);
    return b;
  }

  static bool ends_with_word(std::string_view text, std::string_view tail) {
    if (text.size() < tail.size() || text.substr(text.size() - tail.size()) != tail) return false;
    if (text.size() == tail.size()) return true;
    const unsigned char prev = static_cast<unsigned char>(text[text.size() - tail.size() - 1]);
    return !is_ascii_letter(prev) || !is_ascii_letter(static_cast<unsigned char>(tail.front()));
  }

  // "... connector N": a second number right after `m` makes it a range.
  void read_range(RatingMention& m) {
    std::size_t p = skip_blanks(m.end);
    std::size_t q = std::string::npos;
    const auto c = byte_at(s_, p);
    if (c == '-' || c == '~') {
      q = p + 1;
    } else if (c == 0xE2 && byte_at(s_, p + 1) == 0x80 &&
               (byte_at(s_, p + 2) == 0x93 || byte_at(s_, p + 2) == 0x94)) {
      q = p + 3;  // en dash, em dash
    } else {
      for (std::string_view w : {"to", "or", "through"}) {
        if (word_at(p, w)) q = p + w.size();
      }
      if (word_at(p, "and") && ends_with_word(before(m.begin), "between")) q = p + 3;
    }
    if (q == std::string::npos) return;
    RatingMention* high = mention_at(skip_blanks(q));
    if (high == nullptr || high->ignored) return;
    high->ignored = true;
    m.range_high = high->value;
    m.end = high->end;
    // "1 to 5", "between 1 and 5", "0-10": the scale itself, not a rating.
    if ((m.value == 0 || m.value == 1) && (high->value == 5 || high->value == 10)) m.ignored = true;
  }

  // "/ N" or "out of N" at i: consumes N and returns the position after it.
  std::size_t read_scale(RatingMention& m, std::size_t i) {
    std::size_t p = skip_blanks(i);
    std::size_t q = std::string::npos;
    if (byte_at(s_, p) == '/') {
      q = p + 1;
    } else if (word_at(p, "out")) {
      const std::size_t o = skip_blanks(p + 3);
      if (word_at(o, "of")) q = o + 2;
    }
    if (q == std::string::npos) return i;
    RatingMention* scale = mention_at(skip_blanks(q));
    if (scale == nullptr) return i;
    scale->ignored = true;
    m.scale = scale->value;
    return scale->end;
  }

  void classify(std::size_t index) {
    RatingMention& m = found_[index];
    if (!m.stars) read_range(m);
    std::size_t pos = m.end;
    const unsigned char next = byte_at(s_, pos);
    if (next == '%') {
      m.ignored = true;
      return;
    }
    if (!m.stars) {
      pos = read_scale(m, pos);
      // "4 stars", "4-star", "4 star rating"
      std::size_t p = byte_at(s_, pos) == '-' ? pos + 1 : skip_blanks(pos);
      std::size_t glyph_length = 0;
      if (word_at(p, "stars") || word_at(p, "star")) {
        m.stars = true;
        pos = p + (word_at(p, "stars") ? 5 : 4);
        if (!m.scale) pos = read_scale(m, pos);
      } else if (star_glyph_at(s_, p, glyph_length) >= 0) {
        // "4 ⭐", "4/5 ★": the glyphs are the unit, not a second rating.
        m.stars = true;
        if (RatingMention* glyphs = mention_at(p)) {
          glyphs->ignored = true;
          pos = glyphs->end;
        }
      }
      // "a 5-point scale", "5 point": describes the scale, not a rating.
      if (word_at(p, "point") || word_at(p, "scale")) m.ignored = true;
    }
    // **4**, *4/5*, __4__
    const unsigned char open = m.begin > 0 ? byte_at(s_, m.begin - 1) : 0;
    if ((open == '*' || open == '_') && byte_at(s_, pos) == open) {
      m.emphasis = true;
      while (byte_at(s_, pos) == open) ++pos;
    }
    m.context_end = pos;

    std::string_view b = before(m.begin);
    while (!b.empty() && (b.back() == '*' || b.back() == '_' || b.back() == '`' ||
                          b.back() == '"' || b.back() == '\'' || is_blank(b.back()))) {
      b.remove_suffix(1);
    }
    for (std::string_view example : {"e.g.", "e.g.,", "e.g", "eg.", "for example", "for example,",
                                     "such as", "$", "usd", "\xC2\xA3", "\xE2\x82\xAC"}) {
      if (ends_with_word(b, example)) m.ignored = true;
    }
    if (open == '#') m.ignored = true;  // "#1", "item #2"
    // A list number: "1. The user..." or "2) ..." at the start of a line.
    const bool line_start = b.empty();
    if (line_start && (next == '.' || next == ')') && is_blank(byte_at(s_, m.end + 1)) &&
        is_ascii_letter(byte_at(s_, skip_blanks(m.end + 1)))) {
      m.ignored = true;
    }
    std::string_view article_free = b;
    for (std::string_view article : {" a", " an"}) {
      if (article_free.size() > article.size() &&
          article_free.substr(article_free.size() - article.size()) == article) {
        article_free.remove_suffix(article.size());
        break;
      }
    }
    static constexpr std::string_view kPhrases[] = {"rate it",
                                                    "rate this",
                                                    "rate this product",
                                                    "rate this item",
                                                    "rate the item",
                                                    "rate the product",
                                                    "rate the video",
                                                    "rate the new product",
                                                    "rate the new item",
                                                    "rate the new video",
                                                    "rated",
                                                    "rate",
                                                    "rating of",
                                                    "rating is",
                                                    "rating would be",
                                                    "rating will be",
                                                    "rating:",
                                                    "rating =",
                                                    "score of",
                                                    "score is",
                                                    "score:",
                                                    "give it",
                                                    "give this",
                                                    "gives it",
                                                    "giving it",
                                                    "predict",
                                                    "predicted",
                                                    "prediction is",
                                                    "prediction:",
                                                    "answer is"};
    for (std::string_view phrase : kPhrases) {
      if (ends_with_word(article_free, phrase)) m.phrase = true;
    }
    // A spelled-out number is a rating only with stars / a scale, or when it ends the
    // sentence ("I would give it a four."); "this one is lovely" is not.
    if (m.word && !m.scale && !m.stars) {
      std::size_t p = pos;
      while (p < s_.size() && (is_blank(byte_at(s_, p)) || byte_at(s_, p) == '*' ||
                               byte_at(s_, p) == '_' || byte_at(s_, p) == '`')) {
        ++p;
      }
      const unsigned char after = byte_at(s_, p);
      const bool ends = p >= s_.size() || after == '\n' || after == '.' || after == '!' ||
                        after == ',' || after == ';' || after == ')';
      if (!ends) m.ignored = true;
    }
  }

  std::string_view s_;
  std::string low_;
  std::vector<RatingMention> found_;
};

}  // namespace

std::vector<RatingMention> scan_rating_mentions(std::string_view text) {
  return Scanner(text).run();
}

}  // namespace reasonrec::prompt
