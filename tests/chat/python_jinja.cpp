#include "python_jinja.hpp"

#include <fstream>
#include <stdexcept>

#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {
namespace {

constexpr const char* kScript = R"PY(
import json, sys
from datetime import datetime
import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

def strftime_now(format):
    return datetime.now().strftime(format)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

with open(sys.argv[1], encoding="utf-8") as f:
    cases = json.load(f)
results = []
for case in cases:
    try:
        text = env.from_string(case["source"]).render(**case["context"])
        results.append({"kind": "ok", "text": text})
    except jinja2.exceptions.UndefinedError as e:
        results.append({"kind": "other", "text": str(e)})
    except jinja2.exceptions.TemplateSyntaxError as e:
        results.append({"kind": "other", "text": str(e)})
    except jinja2.exceptions.TemplateError as e:
        results.append({"kind": "raised", "text": str(e)})
    except Exception as e:
        results.append({"kind": "other", "text": type(e).__name__ + ": " + str(e)})
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(results, f, ensure_ascii=False)
)PY";

}  // namespace

std::vector<JinjaResult> render_with_python_jinja(const std::vector<JinjaCase>& cases) {
  const auto dir = scratch_dir();
  const auto input = dir / "cases.json";
  const auto output = dir / "results.json";
  auto list = nlohmann::ordered_json::array();
  for (const auto& c : cases) list.push_back({{"source", c.source}, {"context", c.context}});
  {
    std::ofstream out(input, std::ios::binary);
    out << list.dump();
  }
  const RunResult run = run_python(kScript, {input.string(), output.string()});
  if (run.exit_code != 0) throw std::runtime_error("python jinja reference failed: " + run.err);
  std::ifstream in(output, std::ios::binary);
  const auto results = nlohmann::json::parse(in);
  std::vector<JinjaResult> out;
  for (const auto& r : results) {
    JinjaResult result;
    const auto kind = r.at("kind").get<std::string>();
    result.kind = kind == "ok"       ? JinjaResult::Kind::Ok
                  : kind == "raised" ? JinjaResult::Kind::Raised
                                     : JinjaResult::Kind::OtherError;
    result.text = r.at("text").get<std::string>();
    out.push_back(std::move(result));
  }
  if (out.size() != cases.size()) throw std::runtime_error("python jinja reference lost cases");
  return out;
}

}  // namespace reasonrec::test
