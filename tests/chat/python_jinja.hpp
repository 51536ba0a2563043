#pragma once

// The reference: real Jinja2 under /usr/bin/python3, configured exactly like transformers'
// apply_chat_template (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
// loopcontrols, tojson = json.dumps(ensure_ascii=False), raise_exception, strftime_now).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::test {

struct JinjaCase {
  std::string source;
  nlohmann::ordered_json context;
};

struct JinjaResult {
  enum class Kind { Ok, Raised, OtherError };
  Kind kind = Kind::Ok;
  std::string text;  // rendered text, or the error message
};

// Renders every case in one Python process. Fails the calling test (via exception) when
// Python itself cannot run.
std::vector<JinjaResult> render_with_python_jinja(const std::vector<JinjaCase>& cases);

}  // namespace reasonrec::test
