// Our Python-str helpers against Debian's Python 3.11 itself, over every code point.
#include "eval/python_text.hpp"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "support/run.hpp"
#include "util/utf8.hpp"

namespace reasonrec::test {
namespace {

using nlohmann::json;
namespace pytext = eval::pytext;

std::string utf8(char32_t c) {
  return ::reasonrec::utf8::encode(c);
}

bool is_surrogate(char32_t c) {
  return c >= 0xD800 && c <= 0xDFFF;
}

TEST(PythonText, LowerMatchesPythonOnEveryCodePoint) {
  const RunResult r = run_python(R"PY(
import json, sys
out = {}
for c in range(0x110000):
    if 0xD800 <= c <= 0xDFFF:
        continue
    low = chr(c).lower()
    if low != chr(c):
        out[c] = low
json.dump(out, sys.stdout)
)PY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json changed = json::parse(r.out);
  std::map<char32_t, std::string> expected;
  for (const auto& [key, value] : changed.items()) {
    expected[static_cast<char32_t>(std::stoul(key))] = value.get<std::string>();
  }
  ASSERT_GT(expected.size(), 1400u);
  int mismatches = 0;
  for (char32_t c = 0; c < 0x110000; ++c) {
    if (is_surrogate(c)) continue;
    const auto it = expected.find(c);
    const std::string want = it == expected.end() ? utf8(c) : it->second;
    if (pytext::lower(utf8(c)) != want && ++mismatches < 10) {
      ADD_FAILURE() << "U+" << std::hex << static_cast<unsigned>(c);
    }
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(PythonText, FinalSigmaFollowsPython) {
  // Random strings over letters, capital sigma, case-ignorable marks, digits and spaces.
  const RunResult r = run_python(R"PY(
import json, random, sys
rng = random.Random(3)
alphabet = ["\u03a3", "\u03a3", "\u0391", "\u03b1", "a", "Z", "'", ".", "\u0301", "\u00b7",
            " ", "1", "-", "\u00ad", "\u02b0", "\U0001F600", "\u0130"]
out = []
for _ in range(3000):
    s = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 9)))
    out.append([s, s.lower()])
json.dump(out, sys.stdout)
)PY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const json& pair : json::parse(r.out)) {
    const std::string text = pair[0];
    EXPECT_EQ(pytext::lower(text), pair[1].get<std::string>()) << text;
  }
}

TEST(PythonText, SplitAndStripMatchPythonWhitespace) {
  const RunResult r = run_python(R"PY(
import json, sys
json.dump([c for c in range(0x110000) if chr(c).isspace()], sys.stdout)
)PY");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::set<char32_t> spaces;
  for (const json& c : json::parse(r.out)) spaces.insert(c.get<char32_t>());
  for (char32_t c = 0; c < 0x110000; ++c) {
    if (is_surrogate(c)) continue;
    ASSERT_EQ(pytext::is_space(c), spaces.count(c) == 1) << "U+" << std::hex << unsigned(c);
    // A whitespace code point between two words splits them, and nothing else does.
    const std::string text = "a" + utf8(c) + "b";
    EXPECT_EQ(pytext::split(text).size(), spaces.count(c) ? 2u : 1u);
  }
  const std::string s = "\u3000 x\u00a0 y \u2029";
  const auto parts = pytext::split(s);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], "x");
  EXPECT_EQ(parts[1], "y");
  EXPECT_EQ(pytext::rstrip(s), "\u3000 x\u00a0 y");
  EXPECT_EQ(pytext::strip(s), "x\u00a0 y");
}

TEST(PythonText, InvalidUtf8NeverCrashesAndIsKept) {
  const std::string bad = std::string("ab\xff\xc3 \xe2\x82", 7) + "\xCE\xA3";
  EXPECT_EQ(pytext::length(bad), 8u);
  EXPECT_EQ(pytext::split(bad).size(), 2u);
  // Invalid bytes pass through lower() unchanged (sigma path and fast path alike).
  EXPECT_EQ(pytext::lower(bad), std::string("ab\xff\xc3 \xe2\x82", 7) + "\xCF\x83");
  EXPECT_EQ(pytext::lower(std::string("A\xff", 2)), std::string("a\xff", 2));
}

}  // namespace
}  // namespace reasonrec::test
