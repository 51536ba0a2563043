#pragma once

// A compiled Jinja2 template (the subset documented in docs/chat-templates.md), rendered the
// way transformers' apply_chat_template renders chat templates: trim_blocks and lstrip_blocks
// on, tojson as json.dumps(ensure_ascii=False), raise_exception() and strftime_now() globals.

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/chat/jinja_ast.hpp"
#include "engine/chat/jinja_interpreter.hpp"

namespace reasonrec::engine::jinja {

class Template {
 public:
  // source_name names the template in errors ("file:line: reason"). Throws InputError.
  static Template parse(std::string_view source, std::string source_name);

  // context: a JSON object whose members become template variables. Throws InputError naming
  // the template line for runtime errors and for raise_exception().
  std::string render(const nlohmann::ordered_json& context, RenderLimits limits = {}) const;

  const std::string& source_name() const { return *source_name_; }

 private:
  std::shared_ptr<const std::string> source_name_;
  std::shared_ptr<const Body> body_;
};

}  // namespace reasonrec::engine::jinja
