#include <fstream>
#include <sstream>

#include "prompt/builtin_templates.hpp"
#include "util/error.hpp"

namespace reasonrec::prompt {

Template load_builtin_template(std::string_view name) {
  std::string known;
  for (const auto& t : builtin_templates()) {
    if (t.name == name) return Template::parse(t.text, "builtin:" + std::string(name));
    known += (known.empty() ? "" : ", ") + std::string(t.name);
  }
  throw UsageError("no built-in template '" + std::string(name) + "' (built-in: " + known + ")");
}

Template load_template_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "cannot open template file");
  std::ostringstream text;
  text << in.rdbuf();
  return Template::parse(text.str(), path);
}

}  // namespace reasonrec::prompt
