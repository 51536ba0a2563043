#include "prompt/parse_rating.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "prompt/rating_mentions.hpp"

namespace reasonrec::prompt {

namespace {

struct Line {
  std::size_t begin = 0;
  std::size_t end = 0;  // excludes the newline
};

enum class HeadingKind { None, Reason, Rating };

struct Heading {
  HeadingKind kind = HeadingKind::None;
  std::size_t content_begin = 0;  // text after the heading on the same line
};

bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
bool is_space(char c) {
  return is_blank(c) || c == '\n' || c == '\f';
}
bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_markup(char c) {
  return c == '#' || c == '*' || c == '_' || c == '`';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<Line> split_lines(std::string_view s) {
  std::vector<Line> lines;
  std::size_t pos = 0;
  while (pos <= s.size()) {
    auto end = s.find('\n', pos);
    if (end == std::string_view::npos) end = s.size();
    lines.push_back({pos, end});
    pos = end + 1;
  }
  return lines;
}

std::string format_number(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

// "### Rating ###", "**Rating:**", "## Final Rating", "Rating" alone, "Reasoning:" alone...
Heading classify_heading(std::string_view s, const Line& line) {
  std::size_t i = line.begin;
  bool markup = false;
  while (i < line.end && (is_blank(s[i]) || is_markup(s[i]))) {
    markup = markup || is_markup(s[i]);
    ++i;
  }
  const std::size_t name_begin = i;
  while (i < line.end && (is_letter(s[i]) || s[i] == ' ')) ++i;
  const std::string name = lower(trim(s.substr(name_begin, i - name_begin)));
  HeadingKind kind = HeadingKind::None;
  for (std::string_view n : {"reason", "reasoning", "explanation", "rationale"}) {
    if (name == n) kind = HeadingKind::Reason;
  }
  for (std::string_view n : {"rating", "final rating", "predicted rating", "rating prediction",
                             "predicted user rating"}) {
    if (name == n) kind = HeadingKind::Rating;
  }
  if (kind == HeadingKind::None) return {};
  while (i < line.end && (is_blank(s[i]) || is_markup(s[i]) || s[i] == ':')) ++i;
  // Full-width colon U+FF1A.
  if (s.substr(i, 3) == "\xEF\xBC\x9A") i += 3;
  while (i < line.end && (is_blank(s[i]) || is_markup(s[i]))) ++i;
  // Without markup, only a line holding just the name is a heading; "Rating: 4" is a label.
  if (!markup && i < line.end) return {};
  return {kind, i};
}

// Drops a leading "### Reason ###" / "Reasoning:" / "**Explanation:**" from reasoning text.
std::string clean_reasoning(std::string_view text) {
  text = trim(text);
  const auto lines = split_lines(text);
  if (!lines.empty()) {
    const Heading h = classify_heading(text, lines[0]);
    if (h.kind == HeadingKind::Reason) return std::string(trim(text.substr(h.content_begin)));
  }
  std::size_t i = 0;
  while (i < text.size() && is_markup(text[i])) ++i;
  const std::string head = lower(text.substr(i, 16));
  for (std::string_view label : {"reasoning:", "reason:", "explanation:", "rationale:"}) {
    if (head.rfind(label, 0) == 0) {
      std::size_t j = i + label.size();
      while (j < text.size() && (is_blank(text[j]) || is_markup(text[j]))) ++j;
      return std::string(trim(text.substr(j)));
    }
  }
  return std::string(text);
}

class RatingParser {
 public:
  explicit RatingParser(std::string_view output)
      : s_(output), lines_(split_lines(output)), mentions_(scan_rating_mentions(output)) {
    for (const auto& line : lines_) headings_.push_back(classify_heading(s_, line));
    for (std::size_t k = 0; k < s_.size(); ++k) {
      if (s_[k] == '\n' || ((s_[k] == '.' || s_[k] == '!' || s_[k] == '?') &&
                            (k + 1 == s_.size() || is_space(s_[k + 1])))) {
        sentence_ends_.push_back(k);
      }
    }
  }

  ParsedRating run() {
    if (trim(s_).empty()) return fail(ParseFailure::EmptyOutput, "the output is empty", {});
    if (auto r = strict()) return *r;
    if (auto r = rating_section()) return *r;
    if (auto r = labeled()) return *r;
    if (auto r = final_line()) return *r;
    const bool reason_opened =
        std::any_of(headings_.begin(), headings_.end(),
                    [](const Heading& h) { return h.kind == HeadingKind::Reason; });
    if (reason_opened) {
      // The model followed the format but never reached its Rating section (often a
      // truncated output); the numbers in its reasoning are the history's ratings.
      return fail(ParseFailure::NoRating,
                  "a Reason section but no Rating section and no 'Rating:' line", {});
    }
    if (auto r = last_statement()) return *r;
    if (auto r = trailing_number()) return *r;
    return fail(ParseFailure::NoRating, "no statement of a rating found", {});
  }

 private:
  using Mentions = std::vector<const RatingMention*>;

  std::string_view line_text(const Line& line) const {
    return s_.substr(line.begin, line.end - line.begin);
  }

  Mentions usable_in(std::size_t begin, std::size_t end) const {
    Mentions out;
    for (const auto& m : mentions_) {
      if (!m.ignored && m.begin >= begin && m.begin < end) out.push_back(&m);
    }
    return out;
  }

  ParsedRating fail(ParseFailure failure, std::string detail, std::optional<double> value) const {
    ParsedRating r;
    r.failure = failure;
    r.detail = std::move(detail);
    r.value = value;
    r.reasoning = clean_reasoning(s_);
    return r;
  }

  static std::string describe(const RatingMention& m) {
    std::string out = format_number(m.value);
    if (m.range_high) out += "-" + format_number(*m.range_high);
    if (m.scale) out += "/" + format_number(*m.scale);
    return out;
  }

  // One rating from the candidates of one tier, or why there is none.
  ParsedRating resolve(const Mentions& found, RatingSource source, std::string reasoning,
                       std::string_view where) const {
    std::vector<std::string> distinct;
    for (const auto* m : found) {
      const std::string d = describe(*m);
      if (std::find(distinct.begin(), distinct.end(), d) == distinct.end()) distinct.push_back(d);
    }
    ParsedRating r;
    r.reasoning = std::move(reasoning);
    r.value = found.front()->value;
    const RatingMention& m = *found.front();
    r.spelled_out = m.word;
    if (distinct.size() > 1) {
      std::string list;
      for (const auto& d : distinct) list += (list.empty() ? "" : ", ") + d;
      r.failure = ParseFailure::Ambiguous;
      r.detail = "different ratings (" + list + ") in " + std::string(where);
      r.value.reset();
    } else if (m.range_high) {
      r.failure = ParseFailure::Range;
      r.detail = "a range (" + describe(m) + "), not one rating, in " + std::string(where);
    } else if (m.scale && *m.scale != 5) {
      r.failure = ParseFailure::OtherScale;
      r.detail = "a rating on another scale (" + describe(m) + ") in " + std::string(where);
    } else if (std::floor(m.value) != m.value) {
      r.failure = ParseFailure::NonInteger;
      r.detail = "non-integer rating " + format_number(m.value) + " in " + std::string(where);
    } else if (m.value < 1 || m.value > 5) {
      r.failure = ParseFailure::OutOfRange;
      r.detail = "rating " + format_number(m.value) + " is outside 1..5, in " + std::string(where);
    } else {
      r.rating = static_cast<int>(m.value);
      r.source = source;
    }
    return r;
  }

  // Exactly the requested format: an optional "### Reason ###" section, then
  // "### Rating ###" and a lone digit 1..5 on the next line, nothing else.
  std::optional<ParsedRating> strict() const {
    std::vector<std::size_t> kept;  // indices of non-empty lines
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (!trim(line_text(lines_[i])).empty()) kept.push_back(i);
    }
    if (kept.size() < 2) return std::nullopt;
    const std::string_view last = trim(line_text(lines_[kept.back()]));
    const std::size_t rating_line = kept[kept.size() - 2];
    if (last.size() != 1 || last[0] < '1' || last[0] > '5') return std::nullopt;
    if (kept.back() != rating_line + 1) return std::nullopt;
    if (trim(line_text(lines_[rating_line])) != "### Rating ###") return std::nullopt;
    const bool has_reason = trim(line_text(lines_[kept.front()])) == "### Reason ###";
    if (!has_reason && kept.front() != rating_line) return std::nullopt;
    for (std::size_t k = 1; k + 2 < kept.size(); ++k) {
      const auto t = trim(line_text(lines_[kept[k]]));
      if (t == "### Reason ###" || t == "### Rating ###") return std::nullopt;
    }
    ParsedRating r;
    r.rating = last[0] - '0';
    r.value = *r.rating;
    r.source = RatingSource::Strict;
    if (has_reason) {
      const std::size_t from = lines_[kept.front()].end;
      r.reasoning = std::string(trim(s_.substr(from, lines_[rating_line].begin - from)));
    }
    return r;
  }

  // The text of the section a heading opens: its inline content, then the following lines
  // up to the next heading.
  std::pair<std::size_t, std::size_t> section_span(std::size_t heading_line) const {
    const std::size_t begin = headings_[heading_line].content_begin;
    std::size_t end = s_.size();
    for (std::size_t j = heading_line + 1; j < lines_.size(); ++j) {
      if (headings_[j].kind != HeadingKind::None) {
        end = lines_[j].begin;
        break;
      }
    }
    return {begin, end};
  }

  std::optional<ParsedRating> rating_section() const {
    Mentions found;
    bool any_heading = false;
    std::optional<std::size_t> deciding;  // the last Rating heading that held a number
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (headings_[i].kind != HeadingKind::Rating) continue;
      any_heading = true;
      const auto [begin, end] = section_span(i);
      // The first line of the section that holds a number states the rating.
      for (const auto& line : lines_) {
        if (line.end < begin || line.begin >= end) continue;
        const Mentions in_line = usable_in(std::max(line.begin, begin), std::min(line.end, end));
        if (in_line.empty()) continue;
        found.insert(found.end(), in_line.begin(), in_line.end());
        deciding = i;
        break;
      }
    }
    if (!any_heading) return std::nullopt;
    if (!deciding) {
      return fail(ParseFailure::NoRating, "the Rating section holds no rating", std::nullopt);
    }
    return resolve(found, RatingSource::RatingSection, section_reasoning(*deciding),
                   "the Rating section");
  }

  // The Reason section nearest before the rating heading (or after it, if the model swapped
  // them); else everything before the rating heading.
  std::string section_reasoning(std::size_t rating_heading) const {
    std::optional<std::size_t> reason;
    for (std::size_t j = 0; j < lines_.size(); ++j) {
      if (headings_[j].kind != HeadingKind::Reason) continue;
      if (j < rating_heading || !reason) reason = j;
      if (j > rating_heading) break;
    }
    if (reason) {
      const auto [begin, end] = section_span(*reason);
      return std::string(trim(s_.substr(begin, end - begin)));
    }
    std::size_t begin = 0;
    for (std::size_t j = 0; j < rating_heading; ++j) {
      if (headings_[j].kind != HeadingKind::None) begin = lines_[j].end;
    }
    return clean_reasoning(s_.substr(begin, lines_[rating_heading].begin - begin));
  }

  // "Rating: 4", "**Final rating:** 4/5", "- Predicted score = 4", "Answer: four".
  std::optional<ParsedRating> labeled() const {
    Mentions found;
    std::vector<std::size_t> label_lines;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      const std::string_view t = line_text(lines_[i]);
      std::size_t colon = std::string_view::npos, after = 0;
      for (std::size_t k = 0; k < t.size(); ++k) {
        if (t[k] == ':' || t[k] == '=') {
          colon = k;
          after = k + 1;
          break;
        }
        if (t.substr(k, 3) == "\xEF\xBC\x9A") {
          colon = k;
          after = k + 3;
          break;
        }
      }
      if (colon == std::string_view::npos) continue;
      std::string label;
      for (char c : t.substr(0, colon)) {
        if (is_letter(c) || c == ' ') label += c;
      }
      label = lower(trim(label));
      // The prompt's own history lines read "User Rating: 5"; an echo of them is not an answer.
      if (label == "user rating" || label.empty()) continue;
      const auto words = 1 + std::count(label.begin(), label.end(), ' ');
      bool keyword = false;
      for (std::string_view k : {"rating", "score", "answer", "prediction", "stars"}) {
        const auto p = label.find(k);
        if (p != std::string::npos && (p == 0 || label[p - 1] == ' ') &&
            (p + k.size() == label.size() || label[p + k.size()] == ' ')) {
          keyword = true;
        }
      }
      if (!keyword || words > 8) continue;
      const Mentions in_rest = usable_in(lines_[i].begin + after, lines_[i].end);
      if (in_rest.empty()) continue;
      found.push_back(in_rest.front());
      label_lines.push_back(i);
    }
    if (found.empty()) return std::nullopt;
    std::string rest;
    for (std::size_t i = 0; i < lines_.size(); ++i) {
      if (std::find(label_lines.begin(), label_lines.end(), i) != label_lines.end()) continue;
      rest += std::string(line_text(lines_[i])) + "\n";
    }
    return resolve(found, RatingSource::Labeled, clean_reasoning(rest), "'Rating:' lines");
  }

  // Only markup, blanks and end punctuation outside [begin, end) of this line?
  bool alone_on_line(const Line& line, std::size_t begin, std::size_t end) const {
    auto filler = [](char c) {
      return is_blank(c) || is_markup(c) || c == '.' || c == '!' || c == '(' || c == ')' ||
             c == '[' || c == ']' || c == '"' || c == '\'';
    };
    for (std::size_t k = line.begin; k < line.end; ++k) {
      if ((k < begin || k >= end) && !filler(s_[k])) return false;
    }
    return true;
  }

  // The last non-empty line is the number alone: "4", "**4**", "Four.", "4/5".
  std::optional<ParsedRating> final_line() const {
    for (auto it = lines_.rbegin(); it != lines_.rend(); ++it) {
      if (trim(line_text(*it)).empty()) continue;
      const Mentions in_line = usable_in(it->begin, it->end);
      if (in_line.size() != 1) return std::nullopt;
      const RatingMention& m = *in_line.front();
      if (!alone_on_line(*it, m.begin, m.context_end)) return std::nullopt;
      if (lines_.size() == 1 || it->begin == 0) {
        return resolve(in_line, RatingSource::FinalLine, "", "the last line");
      }
      return resolve(in_line, RatingSource::FinalLine, clean_reasoning(s_.substr(0, it->begin)),
                     "the last line");
    }
    return std::nullopt;
  }

  // Sentence index of a byte: sentences end at ". ", "! ", "? " and at newlines.
  std::size_t sentence_of(std::size_t pos) const {
    return static_cast<std::size_t>(
        std::upper_bound(sentence_ends_.begin(), sentence_ends_.end(), pos) -
        sentence_ends_.begin());
  }

  // "4/5", "4 stars", "rate it a 4", "**4**": the last sentence that says one decides, so a
  // closing verdict wins over the history's ratings quoted earlier in the reasoning.
  std::optional<ParsedRating> last_statement() const {
    std::optional<std::size_t> last_sentence;
    for (const auto& m : mentions_) {
      if (!m.ignored && m.has_context()) last_sentence = sentence_of(m.begin);
    }
    if (!last_sentence) return std::nullopt;
    Mentions found;
    for (const auto& m : mentions_) {
      if (!m.ignored && m.has_context() && sentence_of(m.begin) == *last_sentence) {
        found.push_back(&m);
      }
    }
    RatingSource source = RatingSource::Emphasis;
    auto any = [&](auto pred) { return std::any_of(found.begin(), found.end(), pred); };
    if (any([](const RatingMention* m) { return m->stars; })) {
      source = RatingSource::Stars;
    } else if (any([](const RatingMention* m) { return m->scale.has_value(); })) {
      source = RatingSource::OutOfFive;
    } else if (any([](const RatingMention* m) { return m->phrase; })) {
      source = RatingSource::Phrase;
    }
    return resolve(found, source, clean_reasoning(s_), "the last sentence stating a rating");
  }

  // "... so I predict 4." The output ends with a digit (not a spelled-out word: "a good one."),
  // or a range ("between 3 and 4."). Numbers above 10 are years, counts, prices: not ratings.
  std::optional<ParsedRating> trailing_number() const {
    const RatingMention* last = nullptr;
    for (const auto& m : mentions_) {
      if (!m.ignored) last = &m;
    }
    if (last == nullptr) return std::nullopt;
    const RatingMention& m = *last;
    if (m.word || m.value > 10 || m.value < -10) return std::nullopt;
    for (std::size_t k = m.context_end; k < s_.size(); ++k) {
      const char c = s_[k];
      if (!is_space(c) && !is_markup(c) && c != '.' && c != '!' && c != ')' && c != ']' &&
          c != '"' && c != '\'') {
        return std::nullopt;
      }
    }
    return resolve({&m}, RatingSource::TrailingNumber, clean_reasoning(s_), "the final number");
  }

  std::string_view s_;
  std::vector<Line> lines_;
  std::vector<Heading> headings_;
  std::vector<RatingMention> mentions_;
  std::vector<std::size_t> sentence_ends_;  // positions of sentence-ending characters
};

}  // namespace

ParsedRating parse_rating(std::string_view output) {
  return RatingParser(output).run();
}

std::string_view source_name(RatingSource source) {
  switch (source) {
    case RatingSource::Strict:
      return "strict";
    case RatingSource::RatingSection:
      return "rating_section";
    case RatingSource::Labeled:
      return "labeled";
    case RatingSource::FinalLine:
      return "final_line";
    case RatingSource::OutOfFive:
      return "out_of_five";
    case RatingSource::Stars:
      return "stars";
    case RatingSource::Phrase:
      return "phrase";
    case RatingSource::Emphasis:
      return "emphasis";
    case RatingSource::TrailingNumber:
      return "trailing_number";
    case RatingSource::Unparsed:
      return "unparsed";
  }
  return "unparsed";
}

std::string_view failure_name(ParseFailure failure) {
  switch (failure) {
    case ParseFailure::None:
      return "none";
    case ParseFailure::EmptyOutput:
      return "empty_output";
    case ParseFailure::NoRating:
      return "no_rating";
    case ParseFailure::OutOfRange:
      return "out_of_range";
    case ParseFailure::NonInteger:
      return "non_integer";
    case ParseFailure::Range:
      return "range";
    case ParseFailure::Ambiguous:
      return "ambiguous";
    case ParseFailure::OtherScale:
      return "other_scale";
  }
  return "none";
}

}  // namespace reasonrec::prompt
