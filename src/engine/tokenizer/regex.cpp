#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine/tokenizer/regex.hpp"

#include <pcre2.h>

#include <cctype>

#include "util/error.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

namespace {

// Per-call match state. The limits turn a catastrophically backtracking pattern from a
// hostile tokenizer.json into an error instead of a hang.
struct MatchData {
  explicit MatchData(const pcre2_code* code)
      : data(pcre2_match_data_create_from_pattern(code, nullptr)),
        context(pcre2_match_context_create(nullptr)) {
    pcre2_set_match_limit(context, 10'000'000);
    pcre2_set_depth_limit(context, 100'000);
  }
  ~MatchData() {
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  MatchData(const MatchData&) = delete;
  MatchData& operator=(const MatchData&) = delete;
  pcre2_match_data* data;
  pcre2_match_context* context;
};

std::string escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u)) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

}  // namespace

Regex::Regex(const std::string& pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_UTF | PCRE2_UCP, &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    throw Error("bad regex '" + pattern + "' at offset " + std::to_string(error_offset) + ": " +
                reinterpret_cast<const char*>(message));
  }
  // JIT is an optimisation only; the interpreter gives the same matches when it is unavailable.
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  auto owned = std::make_shared<Code>();
  owned->code = code;
  code_ = std::move(owned);
}

Regex Regex::literal(std::string_view text) {
  return Regex(escape(text));
}

std::vector<std::pair<std::size_t, std::size_t>> Regex::find_all(std::string_view subject) const {
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  MatchData match(code_->code);
  const auto* data = reinterpret_cast<PCRE2_SPTR>(subject.data());
  std::size_t start = 0;
  while (start <= subject.size()) {
    const int rc = pcre2_match(code_->code, data, subject.size(), start, PCRE2_NO_UTF_CHECK,
                               match.data, match.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) throw Error("regex match failed with PCRE2 error " + std::to_string(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match.data);
    const std::size_t begin = ovector[0];
    const std::size_t end = ovector[1];
    if (end > begin) {
      matches.emplace_back(begin, end);
      start = end;
    } else {  // empty match: step over one character
      if (begin >= subject.size()) break;
      start = begin + utf8::decode(subject, begin).length;
    }
  }
  return matches;
}

std::string Regex::replace_all(std::string_view subject, std::string_view replacement) const {
  std::string out;
  std::size_t last = 0;
  for (const auto& [begin, end] : find_all(subject)) {
    out.append(subject.substr(last, begin - last));
    out.append(replacement);
    last = end;
  }
  out.append(subject.substr(last));
  return out;
}

}  // namespace reasonrec::engine
