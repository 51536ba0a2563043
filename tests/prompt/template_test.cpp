#include <gtest/gtest.h>

#include "prompt/builtin_templates.hpp"
#include "prompt/template.hpp"
#include "util/error.hpp"

namespace reasonrec::prompt {
namespace {

Scope sample_scope() {
  Scope scope;
  scope.set("who", "Ada");
  scope.set_flag("on", true);
  scope.set_flag("off", false);
  ListValue items{{"name", "n"}, {}};
  for (const char* name : {"tea", "jam"}) {
    Scope item;
    item.set("name", name);
    item.set("n", std::to_string(items.items.size() + 1));
    items.items.push_back(item);
  }
  scope.lists["items"] = items;
  scope.lists["none"] = ListValue{{"name"}, {}};
  return scope;
}

std::string render(const std::string& text) {
  return Template::parse(text, "t.txt").render_user(sample_scope());
}

TEST(Template, SubstitutesPlaceholdersWithOptionalSpaces) {
  EXPECT_EQ(render("Hi {{who}}, {{ who }}!"), "Hi Ada, Ada!");
}

TEST(Template, EachRepeatsBodyAndSeesOuterNames) {
  EXPECT_EQ(render("{{#each items}}{{n}}.{{name}}/{{who}} {{/each}}"), "1.tea/Ada 2.jam/Ada ");
}

TEST(Template, StandaloneBlockLinesVanishWithTheirNewline) {
  const std::string text =
      "List:\n"
      "{{#each items}}\n"
      "  {{! one line per item }}\n"
      "- {{name}}\n"
      "{{/each}}\n"
      "End";
  EXPECT_EQ(render(text), "List:\n- tea\n- jam\nEnd");
}

TEST(Template, IfShowsBodyOnlyForNonEmptyValuesAndLists) {
  EXPECT_EQ(
      render("{{#if on}}A{{/if}}{{#if off}}B{{/if}}{{#if items}}C{{/if}}{{#if none}}D{{/if}}"),
      "AC");
  EXPECT_EQ(render("{{#each none}}x{{/each}}"), "");
}

TEST(Template, SectionsSplitSystemUserAndAnswer) {
  const auto t = Template::parse(
      "{{#system}}\nYou rate things for {{who}}.\n{{/system}}\n\nRate it.\n{{#answer}}\n"
      "{{reason}} => {{rating}}\n{{/answer}}\n",
      "t.txt");
  const Scope scope = sample_scope();
  EXPECT_EQ(t.render_system(scope).value(), "You rate things for Ada.");
  EXPECT_EQ(t.render_user(scope), "Rate it.");
  Scope answer;
  answer.set("reason", "good");
  answer.set("rating", "5");
  EXPECT_EQ(t.render_answer(scope, answer), "good => 5");
}

TEST(Template, SubstitutedValuesAreNotReparsed) {
  Scope scope;
  scope.set("x", "{{who}} {{#each}}");
  EXPECT_EQ(Template::parse("[{{x}}]", "t.txt").render_user(scope), "[{{who}} {{#each}}]");
}

// Expects an InputError whose message is exactly `message`.
void expect_error(const std::string& text, const std::string& message) {
  try {
    render(text);
    FAIL() << "expected an error for: " << text;
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

TEST(Template, UnknownPlaceholderNamesFileLineAndName) {
  expect_error("line one\nHello {{whom}}\n",
               "t.txt:2: unknown placeholder 'whom' in {{whom}}; known here: items, none, off, "
               "on, who");
}

TEST(Template, UnknownPlaceholderInAnUntakenBranchIsStillAnError) {
  expect_error("{{#if off}}\n{{nope}}\n{{/if}}",
               "t.txt:2: unknown placeholder 'nope' in {{nope}}; known here: items, none, off, "
               "on, who");
}

TEST(Template, EachBodyIsCheckedAgainstListFieldsEvenWhenEmpty) {
  expect_error("{{#each none}}\n{{n}}\n{{/each}}",
               "t.txt:2: unknown placeholder 'n' in {{n}}; known here: items, name, none, off, "
               "on, who");
}

TEST(Template, MalformedTemplatesAreRejectedWithLines) {
  expect_error("{{#each items}}\nx", "t.txt:1: {{#each items}} is never closed");
  expect_error("{{#if on}}\n{{/each}}", "t.txt:2: {{/each}} closes {{#if on}} opened on line 1");
  expect_error("a\n{{/if}}", "t.txt:2: {{/if}} without a matching {{#if}}");
  expect_error("{{#loop items}}{{/loop}}",
               "t.txt:1: unknown block '{{#loop}}' (blocks: each, if, system, answer)");
  expect_error("Hi {{who", "t.txt:1: '{{' without a closing '}}' on the same line");
  expect_error("{{who is}}",
               "t.txt:1: malformed placeholder '{{who is}}' (names use letters, digits, '_' and "
               "'.')");
  expect_error("{{items}}", "t.txt:1: 'items' is a list; write {{#each items}}");
  expect_error("{{#each who}}{{/each}}", "t.txt:1: {{#each who}}: not a list");
  expect_error("{{#system}}a{{/system}}{{#system}}b{{/system}}",
               "t.txt:1: a second {{#system}} section");
}

TEST(Template, AnswerNamesAreOnlyKnownInsideTheAnswerSection) {
  expect_error("{{reason}}",
               "t.txt:1: unknown placeholder 'reason' in {{reason}}; known here: "
               "items, none, off, on, who");
}

TEST(Template, RenderAnswerWithoutSectionIsAnError) {
  const auto t = Template::parse("x", "t.txt");
  EXPECT_THROW(t.render_answer(Scope{}, Scope{}), Error);
}

TEST(BuiltinTemplates, AllShipAndParse) {
  std::vector<std::string> names;
  for (const auto& t : builtin_templates()) {
    names.emplace_back(t.name);
    EXPECT_NO_THROW(load_builtin_template(t.name)) << t.name;
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"cot", "direct", "recsaver_explain", "recsaver_verify"}));
}

TEST(BuiltinTemplates, UnknownNameListsTheBuiltins) {
  try {
    load_builtin_template("cott");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "no built-in template 'cott' (built-in: cot, direct, recsaver_explain, "
                 "recsaver_verify)");
  }
}

TEST(BuiltinTemplates, MissingTemplateFileIsAnInputError) {
  try {
    load_template_file("/nonexistent/x.txt");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/x.txt: cannot open template file");
  }
}

}  // namespace
}  // namespace reasonrec::prompt
