#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::prompt {

// The values one template rendering may refer to. Names are flat strings: "target.title" is a
// single name, the dot is only a naming convention.
struct Scope;

// A list for {{#each name}}. `fields` are the names every element defines; they are declared
// separately so a template is fully checked even when the list happens to be empty.
struct ListValue {
  std::vector<std::string> fields;
  std::vector<Scope> items;
};

struct Scope {
  std::map<std::string, std::string> values;
  std::map<std::string, ListValue> lists;

  void set(const std::string& name, std::string value) { values[name] = std::move(value); }
  // Flags are values: "true" when on, "" when off, so {{#if name}} tests them.
  void set_flag(const std::string& name, bool on) { values[name] = on ? "true" : ""; }
};

// One parsed template. The syntax (docs/prompts.md):
//   {{name}}                       the value of `name`
//   {{#each list}} ... {{/each}}   the body once per element, names resolved in the element
//                                  first, then outside
//   {{#if name}} ... {{/if}}       the body when `name` is a non-empty value or list
//   {{#system}} ... {{/system}}    the system message (chat form); at most one, top level
//   {{#answer}} ... {{/answer}}    how a worked answer is written (k-shot); at most one
//   {{! comment }}                 dropped
// A line holding only a block tag ({{#..}}, {{/..}}, {{!..}}) disappears entirely, newline
// included. There is no escape for a literal "{{"; substituted values are never re-parsed.
class Template {
 public:
  struct Node {
    enum class Kind { Text, Var, Each, If };
    Kind kind = Kind::Text;
    std::string text;  // the text, or the name for Var / Each / If
    std::size_t line = 0;
    std::vector<Node> children;
  };

  // `source` names the template in error messages (a file path or "builtin:cot").
  static Template parse(std::string_view text, std::string source);

  const std::string& source() const { return source_; }
  bool has_system() const { return system_.has_value(); }
  bool has_answer() const { return answer_.has_value(); }

  // Throws InputError naming the template and line when a tag, in any branch of any section,
  // refers to a name `scope` does not define (the answer section may also use "reason" and
  // "rating"). The render functions call it first.
  void check(const Scope& scope) const;

  // Each section rendered against `scope` with leading and trailing newlines removed.
  // render_answer adds `answer` (names "reason" and "rating") as the innermost scope.
  std::string render_user(const Scope& scope) const;
  std::optional<std::string> render_system(const Scope& scope) const;
  std::string render_answer(const Scope& scope, const Scope& answer) const;

 private:
  std::string source_;
  std::vector<Node> user_;
  std::optional<std::vector<Node>> system_;
  std::optional<std::vector<Node>> answer_;
};

}  // namespace reasonrec::prompt
