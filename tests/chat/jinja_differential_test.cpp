// Small templates exercising one feature each, rendered by our interpreter and by real Jinja2
// (configured as apply_chat_template configures it) and compared byte for byte.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/chat/jinja_template.hpp"
#include "python_jinja.hpp"
#include "util/error.hpp"

namespace reasonrec::engine::jinja {
namespace {

using nlohmann::ordered_json;

ordered_json default_context() {
  return ordered_json::parse(R"({
    "messages": [{"role": "system", "content": "  Be brief. "},
                 {"role": "user", "content": "Héllo {{x}} 'q' \"dq\""},
                 {"role": "assistant", "content": "Hi!", "tool_calls": [{"id": "a1", "function": {"name": "f", "arguments": {"x": 1, "y": [1.5, true, null]}}}]}],
    "items": [3, 1, 2], "words": ["b", "a", "C"], "empty": [], "s": "  Mixed Case words\t",
    "d": {"z": 1, "a": {"n": [1, 2]}, "items": "key named items"}, "n": 7, "f": 2.5, "neg": -7,
    "none_value": null, "t": true, "big": 10000000000000000, "tiny": 0.00001, "uni": "Grüße 🌍",
    "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>", "tools": null
  })");
}

// Each snippet is a complete template; the comment says what it exercises.
const std::vector<std::string>& snippets() {
  static const std::vector<std::string> list = {
      // whitespace control, trim_blocks, lstrip_blocks
      "a\n  {% if true %}\n  b\n  {% endif %}\nc",
      "a  {%- if true -%}  b  {%- endif -%}  c",
      "  {{- 'x' -}}  \n y",
      "{% if true %}  x{% endif %}\n",
      "line\n    {# comment #}\nnext",
      "a {# c -#}   \n b",
      "a\n  {%+ if true %}x{% endif %}",
      "{% for m in messages %}\n  {{ m.role }}\n{% endfor %}\n",
      "x {{ 'y' }}\n  {{ 'z' }}\n",
      "tail newline kept?\n\n",
      "crlf\r\nline {% if true %}\r\nyes{% endif %}",
      // literals, printing
      "{{ 1 }} {{ 1.0 }} {{ 2.50 }} {{ -3 }} {{ 1e3 }} {{ 'a' 'b' }} {{ \"q\\\"\" }}",
      "{{ [1, 'a', none, true, 1.5] }} {{ {'k': 'v', 'n': [1]} }} {{ (1, 2) }}",
      "{{ none }}|{{ true }}|{{ false }}|{{ undefined_name }}|{{ big }}|{{ tiny }}",
      "{{ 'esc\\n\\t\\\\ \\x41 \\u00e9' }}",
      // arithmetic and operators
      "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 2 ** 10 }} {{ 1 + 2 * 3 "
      "}}",
      "{{ 'a' + 'b' }} {{ 'a' ~ 1 ~ none }} {{ [1] + [2] }} {{ 'ab' * 3 }} {{ f * 2 }} {{ n - f }}",
      "{{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 < 2 < 3 }} {{ 3 > "
      "2 > 5 }}",
      "{{ 'a' in 'cat' }} {{ 2 in items }} {{ 'z' in d }} {{ 'q' not in d }} {{ 'tool_calls' in "
      "messages[2] }}",
      "{{ not none }} {{ none or 'x' }} {{ 0 and 1 }} {{ 'a' if n > 5 else 'b' }} {{ 'a' if false "
      "}}",
      "{{ -n }} {{ +f }} {{ not n is defined }} {{ neg|abs }}",
      // indexing, slicing, attributes
      "{{ items[0] }} {{ items[-1] }} {{ items[1:] }} {{ items[::-1] }} {{ items[:-1] }} {{ "
      "items[5] }}",
      "{{ uni[0] }} {{ uni[1:4] }} {{ uni[::-1] }} {{ uni|length }} {{ s[2:7] }}",
      "{{ messages[0].role }} {{ messages[0]['content'] }} {{ d.a.n[1] }} {{ d['items'] }} {{ "
      "d.items()|list }}",
      "{{ messages[2].tool_calls[0].function.arguments.y[0] }} {{ d.missing }} {{ d.get('z') }} {{ "
      "d.get('q', 5) }}",
      "{{ d.keys()|list }} {{ d.values()|list|length }} {{ messages.0.role }}",
      // string methods
      "[{{ s.strip() }}] [{{ s.lstrip() }}] [{{ s.rstrip() }}] [{{ 'xxaxx'.strip('x') }}]",
      "{{ s.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a b c'.split(' ', 1) }} {{ s.lower() }} {{ "
      "s.upper() }}",
      "{{ 'hello world'.title() }} {{ 'hELLO'.capitalize() }} {{ 'abc'.startswith('ab') }} {{ "
      "'abc'.endswith(('x', 'c')) }}",
      "{{ 'a-b-c'.replace('-', '+') }} {{ 'a-b-c'.replace('-', '', 1) }} {{ 'abc'.find('c') }} {{ "
      "', '.join(['x', 'y']) }}",
      // filters
      "[{{ s|trim }}] {{ items|length }} {{ words|first }} {{ words|last }} {{ words|join('-') }} "
      "{{ items|join }}",
      "{{ messages|map(attribute='role')|join(',') }} {{ messages|selectattr('role', 'equalto', "
      "'user')|list|length }}",
      "{{ messages|rejectattr('role', 'eq', 'user')|map(attribute='role')|list }} {{ "
      "messages|selectattr('tool_calls')|list|length }}",
      "{{ messages|selectattr('tool_calls', 'defined')|list|length }} {{ items|select('odd')|list "
      "}} {{ items|reject('equalto', 1)|list }}",
      "{{ s|upper }} {{ s|lower }} {{ 'x'|capitalize }} {{ 'a b'|title }} {{ 5|string + 'x' }} {{ "
      "'a-b'|replace('-', '_') }}",
      "{{ undefined_name|default('dflt') }} {{ ''|default('e', true) }} {{ none|default('n') }} {{ "
      "n|d(3) }}",
      "{{ d|items|list }} {{ '42'|int + 1 }} {{ '4.7'|int }} {{ 'x'|int }} {{ 3.9|int }} {{ "
      "'2.5'|float }}",
      "{{ words|sort }} {{ items|sort(reverse=true) }} {{ words|reverse|list }} {{ uni|reverse }} "
      "{{ items|list }}",
      "{{ messages[2].tool_calls[0].function|tojson }}",
      "{{ messages[2].tool_calls[0].function|tojson(indent=4) }}",
      "{{ d|tojson(indent=2) }} {{ empty|tojson }} {{ {}|tojson(indent=2) }} {{ uni|tojson }} {{ "
      "'a\"b\\\\c\\n\\x01'|tojson }}",
      "{{ [1.0, 0.1, 1e-7, 1e22, 123456789012345678, 2.5e-5, -0.0]|tojson }}",
      "{{ d|tojson(sort_keys=true) }}",
      // tests
      "{{ n is defined }} {{ q is undefined }} {{ none_value is none }} {{ s is string }} {{ d is "
      "mapping }} {{ items is iterable }}",
      "{{ n is number }} {{ f is float }} {{ n is integer }} {{ t is boolean }} {{ n is odd }} {{ "
      "n is even }} {{ n is divisibleby 7 }}",
      "{{ n is equalto 7 }} {{ n is eq(7) }} {{ none_value is sameas none }} {{ t is sameas true "
      "}} {{ 'a' is in 'cat' }}",
      "{{ s is not none }} {{ messages[2].content is string }} {{ items is sequence }} {{ 'ab' is "
      "lower }} {{ 'AB' is upper }}",
      // statements
      "{% for m in messages %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.length }}/{{ loop.first "
      "}}/{{ loop.last }}/{{ loop.revindex }};{% endfor %}",
      "{% for x in items if x > 1 %}{{ loop.index }}:{{ x }}{% if not loop.last %},{% endif %}{% "
      "endfor %}",
      "{% for x in empty %}never{% else %}empty!{% endfor %}",
      "{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
      "{% for x in items %}{% if x == 1 %}{% continue %}{% endif %}{% if x == 2 %}{% break %}{% "
      "endif %}{{ x }}{% endfor %}",
      "{% for a in [1, 2] %}{% for b in 'xy' %}{{ a }}{{ b }}{{ loop.index }}{% endfor %}{{ "
      "loop.index }}{% endfor %}",
      "{% for x in items %}{{ loop.previtem }}>{{ x }}>{{ loop.nextitem }} {% endfor %}",
      "{% set x = 1 %}{% for i in [1, 2] %}{{ x }}{% set x = x + 1 %}{{ x }};{% endfor %}{{ x }}",
      "{% set ns = namespace(count=0, seen=false) %}{% for m in messages %}{% set ns.count = "
      "ns.count + 1 %}{% endfor %}{{ ns.count }} {{ ns.seen }}",
      "{% if n > 10 %}big{% elif n > 5 %}mid{% else %}small{% endif %}",
      "{% if false %}a{% elif none %}b{% endif %}end",
      "{% set captured %}[{{ n }}]{% endset %}{{ captured }}{{ captured|length }}",
      "{% macro wrap(text, open='<', close='>') %}{{ open }}{{ text }}{{ close }}{% endmacro %}{{ "
      "wrap('a') }}{{ wrap('b', close=']') }}",
      "{% set messages = messages[1:] %}{{ messages|length }}",
      "{% if true %}{% set inner = 'set in if' %}{% endif %}{{ inner }}",
      "{% for x in range(3) %}{{ x }}{% endfor %}{{ range(1, 10, 3)|list }}",
      "{{ dict(a=1, b='x') }} {{ namespace(a=1).a }}",
      // globals (strftime_now: the year only, so both renders agree even across midnight)
      "{{ strftime_now is defined }} {{ strftime_now('%Y') }} {{ raise_exception is defined }}",
      // comments
      "{# a {{ comment }} with {% tags %} #}x{#- trimmed -#}  y",
  };
  return list;
}

TEST(JinjaDifferential, SnippetsMatchJinja2) {
  std::vector<test::JinjaCase> cases;
  for (const auto& s : snippets()) cases.push_back({s, default_context()});
  const auto reference = test::render_with_python_jinja(cases);
  int rendered = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE("snippet " + std::to_string(i) + ": " + snippets()[i]);
    ASSERT_EQ(reference[i].kind, test::JinjaResult::Kind::Ok) << reference[i].text;
    try {
      const std::string ours = Template::parse(snippets()[i], "snippet").render(default_context());
      EXPECT_EQ(ours, reference[i].text);
      ++rendered;
    } catch (const InputError& e) {
      ADD_FAILURE() << "we failed: " << e.what() << "\nJinja2 rendered: " << reference[i].text;
    }
  }
  EXPECT_EQ(rendered, static_cast<int>(snippets().size()));
}

// Templates Jinja2 rejects at render time must fail here too (never render something).
TEST(JinjaDifferential, RuntimeErrorsAgreeWithJinja2) {
  const std::vector<std::string> failing = {
      "{{ undefined_name.attr }}",
      "{{ undefined_name + 1 }}",
      "{{ 1 / 0 }}",
      "{{ 'a' + 1 }}",
      "{{ raise_exception('custom message: ' ~ n) }}",
      "{% set x = 5 %}{% set x.attr = 1 %}",
      "{{ n() }}",
      "{{ 1 < 'a' }}",
      "{{ d|items|list + 1 }}",
      "{{ items['x'] + 1 }}",
  };
  std::vector<test::JinjaCase> cases;
  for (const auto& s : failing) cases.push_back({s, default_context()});
  const auto reference = test::render_with_python_jinja(cases);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(failing[i]);
    ASSERT_NE(reference[i].kind, test::JinjaResult::Kind::Ok) << reference[i].text;
    EXPECT_THROW(Template::parse(failing[i], "t").render(default_context()), InputError);
  }
}

}  // namespace
}  // namespace reasonrec::engine::jinja
