#include "recsaver/scrub.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "data/sha256.hpp"
#include "recsaver/sentences.hpp"
#include "util/error.hpp"
#include "util/utf8.hpp"

namespace reasonrec::recsaver {

namespace {

// The paper's rule (its section 3): the three phrases, nothing else.
constexpr std::string_view kPaperRules =
    R"toml(# Rec-SAVER leakage scrub: the paper's rule set (reasonrec's default).
# Tsai et al. 2024, section 3: "we remove sentences that mention 'a rating of', 'stars' or
# 'scores'". A sentence is removed when any rule matches it; the first rule that matches is
# recorded with the removed sentence. Format: docs/recsaver.md, "Rule files".
name = "paper"
description = "the paper's three phrases: a rating of, stars, scores"

[[rule]]
name = "a-rating-of"
description = "the paper's phrase 'a rating of'"
phrase = "a rating of"

[[rule]]
name = "stars"
description = "the paper's word 'stars'"
phrase = "stars"

[[rule]]
name = "scores"
description = "the paper's word 'scores'"
phrase = "scores"
)toml";

// Stricter: anything that states or implies a rating's value. Used for the leakage audit of
// every run, and as a scrub with --scrub strict.
constexpr std::string_view kStrictRules =
    R"toml(# Rec-SAVER leakage scrub: reasonrec's strict rule set.
# The paper's three phrases, then everything else that states or implies a rating's value.
# Every run audits its kept references against this set (refs.summary.json, "leakage_audit").
# Patterns are PCRE2, matched case-insensitively with Unicode word characters; phrases match
# as whole words. Format: docs/recsaver.md, "Rule files".
name = "strict"
description = "the paper's phrases plus numbers next to rating words, scales, star glyphs, verdicts"

[[rule]]
name = "a-rating-of"
description = "the paper's phrase 'a rating of'"
phrase = "a rating of"

[[rule]]
name = "stars"
description = "the paper's word 'stars'"
phrase = "stars"

[[rule]]
name = "scores"
description = "the paper's word 'scores'"
phrase = "scores"

[[rule]]
name = "number-star"
description = "a number or number word before star: 4 star, 5-star, five-star, 4.5 star"
pattern = '\b(?:\d+(?:[.,]\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten|half)[\s-]*stars?\b'

[[rule]]
name = "number-rating-word"
description = "a number before a rating word: 4 points, a 5 rating, a 3-point score"
pattern = '\b(?:\d+(?:[.,]\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten)[\s-]*(?:points?|ratings?|scores?|grades?)\b'

[[rule]]
name = "rating-word-number"
description = "a rating word and, within four words after it, a number: rated it 4, rating: 5, a score of four"
pattern = '\b(?:rat(?:e|es|ed|ing|ings)|scor(?:e|ed|ing)|grade[sd]?)\b(?:\W+\w+){0,4}?\W+(?:\d+(?:[.,]\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b'

[[rule]]
name = "out-of"
description = "a scale: out of 5, out of ten"
pattern = '\bout\s+of\s+(?:\d+|five|ten)\b'

[[rule]]
name = "scale"
description = "a rating scale: on a scale of 1 to 5, a scale from 1-10"
pattern = '\bscale\s+(?:of|from)\s+(?:\d+|zero|one)\s*(?:-|to)\s*(?:\d+|five|ten)\b'

[[rule]]
name = "slash-scale"
description = "a fraction of a rating scale: 5/5, 4.5 / 5, 8/10 (not dates such as 3/5/2020)"
pattern = '(?<![\w/.])\d+(?:\.\d+)?\s*/\s*(?:5|10|100)(?![\w/])'

[[rule]]
name = "star-glyphs"
description = "star characters"
pattern = '[★☆⭐✩✪✫✬✭✮✯🌟]'

[[rule]]
name = "rated-it"
description = "a verdict on the item itself: rated it, rate this, rating the new product"
pattern = '\brat(?:e|es|ed|ing)\s+(?:it|this|that|the\s+(?:new\s+)?(?:product|item|movie|film|show|book|magazine|subscription))\b'

[[rule]]
name = "gave-it-number"
description = "gave it a 4, gives the product a five, give this a solid 4"
pattern = '\bg(?:ave|ive|ives|iving)\s+(?:it|this|that|the\s+(?:new\s+)?\w+|this\s+\w+)\s+(?:an?\s+|only\s+(?:an?\s+)?)?(?:(?:solid|strong|firm|clear|low|high|perfect|modest|generous)\s+)?(?:\d+(?:[.,]\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten)\b'

[[rule]]
name = "qualified-rating"
description = "a rating named by its size: the highest rating, a perfect score, full marks, a low rating"
pattern = '\b(?:highest|lowest|top|perfect|maximum|max|minimum|full|low|lower|high|higher|middling|mediocre|moderate|neutral|average|negative|positive|poor)\s+(?:possible\s+)?(?:ratings?|scores?|marks)\b'
)toml";

struct Pattern {
  pcre2_code* code = nullptr;
  ~Pattern() { pcre2_code_free(code); }
};

std::string escape_phrase(std::string_view phrase) {
  std::string out = "(?<!\\w)";
  bool space = false;
  for (char c : phrase) {
    if (c == ' ' || c == '\t' || c == '\n') {
      space = true;
      continue;
    }
    if (space && out.size() > 7) out += "\\s+";
    space = false;
    if (std::string_view("\\^$.|?*+()[]{}#-").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out + "(?!\\w)";
}

pcre2_code* compile(const std::string& pattern, const std::string& file) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                    PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &error_code, &error_offset, nullptr);
  if (!code) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    throw InputError(file, 0,
                     "pattern does not compile at offset " + std::to_string(error_offset) + ": " +
                         reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  return code;
}

}  // namespace

struct RuleSet::Compiled {
  std::vector<Pattern> patterns;
};

RuleSet RuleSet::parse(std::string_view text, const std::string& file) {
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    throw InputError(file, static_cast<std::size_t>(e.source().begin.line),
                     std::string(e.description()));
  }
  auto line_of = [](const toml::node& node) {
    return static_cast<std::size_t>(node.source().begin.line);
  };
  RuleSet set;
  for (const auto& [key, value] : root) {
    const std::string k(key.str());
    if (k == "name" || k == "description") {
      const auto v = value.value_exact<std::string>();
      if (!v) throw InputError(file, line_of(value), "'" + k + "' must be a string");
      (k == "name" ? set.name_ : set.description_) = *v;
    } else if (k != "rule") {
      throw InputError(file, line_of(value),
                       "unknown key '" + k + "' (expected name, description and [[rule]] tables)");
    }
  }
  if (set.name_.empty()) throw InputError(file, 0, "the rule set needs a name");
  const toml::node* rules = root.get("rule");
  const toml::array* array = rules ? rules->as_array() : nullptr;
  if (rules && !array) {
    throw InputError(file, line_of(*rules), "'rule' must be an array of tables ([[rule]])");
  }
  if (!array || array->empty()) throw InputError(file, 0, "the rule set has no [[rule]]");
  auto compiled = std::make_shared<Compiled>();
  compiled->patterns.reserve(array->size());
  std::set<std::string> names;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& node = *array->get(i);
    const toml::table* table = node.as_table();
    const std::string where = "rule " + std::to_string(i + 1);
    if (!table) throw InputError(file, line_of(node), where + " must be a table ([[rule]])");
    ScrubRule rule;
    for (const auto& [key, value] : *table) {
      const std::string k(key.str());
      const auto v = value.value_exact<std::string>();
      std::string* field = k == "name"          ? &rule.name
                           : k == "description" ? &rule.description
                           : k == "phrase"      ? &rule.phrase
                           : k == "pattern"     ? &rule.pattern
                                                : nullptr;
      if (!field) {
        throw InputError(
            file, line_of(value),
            where + ": unknown key '" + k + "' (expected name, description, phrase or pattern)");
      }
      if (!v) throw InputError(file, line_of(value), where + ": '" + k + "' must be a string");
      *field = *v;
    }
    if (rule.name.empty()) throw InputError(file, line_of(node), where + " needs a name");
    const std::string named = where + " ('" + rule.name + "')";
    if (!names.insert(rule.name).second) {
      throw InputError(file, line_of(node), named + ": another rule has the same name");
    }
    if (rule.phrase.empty() == rule.pattern.empty()) {
      throw InputError(file, line_of(node), named + " needs exactly one of phrase and pattern");
    }
    if (!utf8::is_valid(rule.phrase) || !utf8::is_valid(rule.pattern)) {
      throw InputError(file, line_of(node), named + ": not valid UTF-8");
    }
    const std::string source = rule.phrase.empty() ? rule.pattern : escape_phrase(rule.phrase);
    try {
      compiled->patterns.emplace_back().code = compile(source, file);
    } catch (const InputError& e) {
      throw InputError(file, line_of(node), named + ": " + e.reason());
    }
    set.rules_.push_back(std::move(rule));
  }
  set.compiled_ = std::move(compiled);
  set.sha256_ = data::sha256_hex(text);
  return set;
}

RuleSet RuleSet::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open the rule file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

std::string_view builtin_rules_toml(std::string_view name) {
  if (name == "paper") return kPaperRules;
  if (name == "strict") return kStrictRules;
  throw UsageError("unknown built-in rule set '" + std::string(name) +
                   "' (expected paper or strict, or a rule file)");
}

RuleSet RuleSet::builtin(std::string_view name) {
  return parse(builtin_rules_toml(name), "<built-in " + std::string(name) + " rules>");
}

RuleSet RuleSet::resolve(const std::string& name_or_path) {
  if (name_or_path == "paper" || name_or_path == "strict") return builtin(name_or_path);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(name_or_path, ec)) {
    throw InputError(name_or_path, 0,
                     "no such rule file (--scrub takes paper, strict or a TOML rule file)");
  }
  return load(name_or_path);
}

const ScrubRule* RuleSet::match(std::string_view sentence) const {
  if (!compiled_) return nullptr;
  std::string sanitized;
  if (!utf8::is_valid(sentence)) {
    sanitized = utf8::sanitize(sentence);
    sentence = sanitized;
  }
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    const pcre2_code* code = compiled_->patterns[i].code;
    pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
    const int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(sentence.data()), sentence.size(),
                               0, 0, data, nullptr);
    pcre2_match_data_free(data);
    if (rc >= 0) return &rules_[i];
  }
  return nullptr;
}

ScrubResult scrub(std::string_view text, const RuleSet& rules) {
  ScrubResult result;
  const std::vector<Sentence> sentences = split_sentences(text);
  result.sentences = sentences.size();
  std::optional<std::size_t> last_kept;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const Sentence& s = sentences[i];
    if (const ScrubRule* rule = rules.match(s.text)) {
      result.removed.push_back({std::string(s.text), rule->name});
      continue;
    }
    if (last_kept) {
      // Of the gaps between the last kept sentence and this one, the one with the most line
      // breaks (the first on ties): paragraphs and list items stay apart.
      std::string_view best;
      std::size_t best_breaks = 0;
      for (std::size_t k = *last_kept + 1; k <= i; ++k) {
        const std::string_view gap =
            text.substr(sentences[k - 1].end, sentences[k].begin - sentences[k - 1].end);
        const auto breaks = static_cast<std::size_t>(std::count(gap.begin(), gap.end(), '\n'));
        if (best.empty() || breaks > best_breaks) {
          best = gap;
          best_breaks = breaks;
        }
      }
      result.text += best.empty() ? std::string_view(" ") : best;
    }
    result.text += s.text;
    last_kept = i;
  }
  return result;
}

}  // namespace reasonrec::recsaver
