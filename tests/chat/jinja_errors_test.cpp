// Bad templates give InputError naming the template and the line; hostile ones stay bounded.
#include <gtest/gtest.h>

#include <string>

#include "engine/chat/jinja_template.hpp"
#include "util/error.hpp"

namespace reasonrec::engine::jinja {
namespace {

using nlohmann::ordered_json;

InputError error_of(const std::string& source, const ordered_json& context = ordered_json::object(),
                    RenderLimits limits = {}) {
  try {
    Template::parse(source, "my_template.jinja").render(context, limits);
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << source;
  return InputError("", 0, "");
}

TEST(JinjaErrors, SyntaxErrorsNameFileAndLine) {
  const auto unterminated = error_of("line one\nline two {{ x\nline three");
  EXPECT_EQ(unterminated.file(), "my_template.jinja");
  EXPECT_EQ(unterminated.line(), 2u);
  EXPECT_NE(unterminated.reason().find("missing '}}'"), std::string::npos);

  const auto missing_endif = error_of("a\n{% if x %}\nb\n");
  EXPECT_EQ(missing_endif.line(), 2u);
  EXPECT_NE(missing_endif.reason().find("endif"), std::string::npos);

  EXPECT_EQ(error_of("a\nb\n{% endfor %}").line(), 3u);
  EXPECT_NE(error_of("{% include 'x' %}").reason().find("unknown or unsupported tag 'include'"),
            std::string::npos);
  EXPECT_NE(error_of("{{ 'abc }}").reason().find("unterminated string"), std::string::npos);
  EXPECT_NE(error_of("{# never closed").reason().find("comment"), std::string::npos);
  EXPECT_NE(error_of("{{ a ? b }}").reason().find("unexpected character '?'"), std::string::npos);
  EXPECT_NE(error_of("{{ (1 }}").reason().find("unexpected"), std::string::npos);
  EXPECT_NE(error_of("{{ }}").reason().find("expected an expression"), std::string::npos);
  EXPECT_NE(error_of("{% for 1 in x %}{% endfor %}").reason().find("expected a name"),
            std::string::npos);
}

TEST(JinjaErrors, RuntimeErrorsNameTheLine) {
  const auto e = error_of("ok\n\n{{ messages[0].content.missing.deeper }}",
                          {{"messages", {{{"content", "x"}}}}});
  EXPECT_EQ(e.line(), 3u);
  EXPECT_NE(e.reason().find("has no attribute 'missing'"), std::string::npos) << e.what();

  const auto filter = error_of("\n{{ x|no_such_filter }}");
  EXPECT_EQ(filter.line(), 2u);
  EXPECT_NE(filter.reason().find("no filter named 'no_such_filter'"), std::string::npos);

  EXPECT_NE(error_of("{{ x is frobnicated }}").reason().find("no test named"), std::string::npos);
  EXPECT_NE(error_of("{{ y + 1 }}").reason().find("'y' is undefined"), std::string::npos);
  EXPECT_NE(error_of("{{ 1 // 0 }}").reason().find("division"), std::string::npos);
  EXPECT_NE(error_of("{{ 9223372036854775807 + 1 }}").reason().find("overflow"), std::string::npos);
}

TEST(JinjaErrors, RaiseExceptionCarriesTheTemplatesMessage) {
  const auto e = error_of(
      "{% for m in messages %}\n{% if m.role == 'system' %}\n"
      "{{ raise_exception('System role not supported') }}\n{% endif %}{% endfor %}",
      {{"messages", {{{"role", "system"}}}}});
  EXPECT_EQ(e.file(), "my_template.jinja");
  EXPECT_EQ(e.line(), 3u);
  EXPECT_EQ(e.reason(), "template raised an error: System role not supported");
  EXPECT_EQ(std::string(e.what()),
            "my_template.jinja:3: template raised an error: System role not supported");
}

TEST(JinjaErrors, HostileTemplatesStayBounded) {
  RenderLimits small;
  small.max_output_bytes = 1000;
  EXPECT_NE(error_of("{% for i in range(100) %}{{ 'x' * 50 }}{% endfor %}", {}, small)
                .reason()
                .find("exceeds 1000 bytes"),
            std::string::npos);
  EXPECT_NE(error_of("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}").reason().find("call depth"),
            std::string::npos);
  EXPECT_NE(error_of("{{ range(100000000) }}").reason().find("too large"), std::string::npos);
  EXPECT_NE(error_of("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}")
                .reason()
                .find("nested too deeply"),
            std::string::npos);
  EXPECT_NE(error_of("{{ 'x' * 100000000000 }}").reason().find("too large"), std::string::npos);
}

TEST(JinjaErrors, UndefinedBehavesLikeJinjaDefaultUndefined) {
  // Printing, truth testing, iteration and `is defined` are fine on undefined values.
  const auto t = Template::parse(
      "[{{ nothing }}]{% if nothing %}yes{% else %}no{% endif %}{% for x in nothing %}x{% endfor %}"
      "{{ nothing is defined }}{{ nothing|length }}{{ nothing == nothing }}",
      "t");
  EXPECT_EQ(t.render(ordered_json::object()), "[]noFalse0True");
}

}  // namespace
}  // namespace reasonrec::engine::jinja
