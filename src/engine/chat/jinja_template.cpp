#include "engine/chat/jinja_template.hpp"

#include "engine/chat/jinja_builtins.hpp"
#include "engine/chat/jinja_lexer.hpp"
#include "util/error.hpp"

namespace reasonrec::engine::jinja {

Template Template::parse(std::string_view source, std::string source_name) {
  Template t;
  t.source_name_ = std::make_shared<const std::string>(std::move(source_name));
  t.body_ =
      std::make_shared<const Body>(jinja::parse(lex(source, *t.source_name_), *t.source_name_));
  return t;
}

std::string Template::render(const nlohmann::ordered_json& context, RenderLimits limits) const {
  if (!context.is_object() && !context.is_null()) {
    throw InputError(*source_name_, 0, "template context must be a JSON object");
  }
  Frame globals;
  add_default_globals(globals);
  if (context.is_object()) {
    for (const auto& [key, value] : context.items()) globals.set(key, from_json(value));
  }
  Interpreter interpreter(*source_name_, limits);
  return interpreter.render(*body_, globals);
}

}  // namespace reasonrec::engine::jinja
