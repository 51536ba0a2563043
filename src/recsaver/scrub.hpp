#pragma once

// The leakage scrub of Rec-SAVER step 2 (docs/recsaver.md, "Scrub"): sentences of an
// explanation that mention a rating are removed before the explanation is verified or used as
// a reference. Which sentences: a rule set, read from a TOML file users can replace, or one of
// two built in: "paper" (the paper's three phrases) and "strict".

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::recsaver {

// One rule: a phrase (matched as whole words, case-insensitively, any run of whitespace
// standing for a space) or a PCRE2 pattern (case-insensitive, Unicode). Exactly one is set.
struct ScrubRule {
  std::string name;
  std::string description;
  std::string phrase;
  std::string pattern;
};

// A compiled rule set. Copyable (the compiled patterns are shared and only read).
class RuleSet {
 public:
  // Parses a rule file's text; `file` names it in errors. Throws InputError naming the file,
  // the line where the TOML parser knows it, and the rule, for bad TOML, unknown keys, rules
  // without exactly one of phrase / pattern, duplicate names, patterns that do not compile.
  static RuleSet parse(std::string_view toml, const std::string& file);
  static RuleSet load(const std::filesystem::path& path);
  // "paper" or "strict"; UsageError otherwise.
  static RuleSet builtin(std::string_view name);
  // "paper", "strict", or a path to a rule file.
  static RuleSet resolve(const std::string& name_or_path);

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::vector<ScrubRule>& rules() const { return rules_; }
  // SHA-256 of the rule file's bytes (recorded with every reference).
  const std::string& sha256() const { return sha256_; }

  // The first rule (in file order) that matches `sentence`, or nullptr.
  const ScrubRule* match(std::string_view sentence) const;

 private:
  struct Compiled;
  std::string name_;
  std::string description_;
  std::string sha256_;
  std::vector<ScrubRule> rules_;
  std::shared_ptr<const Compiled> compiled_;
};

// The TOML text of a built-in rule set ("paper" or "strict"): what `reasonrec recsaver rules
// --show NAME` prints, to copy and edit. UsageError for other names.
std::string_view builtin_rules_toml(std::string_view name);

struct RemovedSentence {
  std::string sentence;
  std::string rule;  // the name of the rule that removed it
};

struct ScrubResult {
  std::string text;  // the kept sentences (see scrub)
  std::vector<RemovedSentence> removed;
  std::size_t sentences = 0;  // in the input
  bool empty() const { return text.empty(); }
};

// Splits `text` into sentences (split_sentences) and drops every sentence a rule matches. Two
// kept sentences are joined by the whitespace between them in the input; where sentences were
// removed between them, by the gap of that run with the most line breaks, so that paragraphs
// and list items stay apart.
ScrubResult scrub(std::string_view text, const RuleSet& rules);

}  // namespace reasonrec::recsaver
