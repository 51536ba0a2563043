#include "util/json_string.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/run.hpp"

namespace reasonrec {
namespace {

std::string literal(std::string_view text, InvalidUtf8 invalid) {
  std::string out;
  append_json_string(out, text, invalid);
  return out;
}

// What an independent parser reads back from our literal.
std::string round_trip(std::string_view text) {
  return nlohmann::json::parse(literal(text, InvalidUtf8::kReplace)).get<std::string>();
}

TEST(JsonString, EscapesWhatJsonRequires) {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls += static_cast<char>(c);
  for (const std::string& s : {std::string("plain"), std::string("quote \" backslash \\ slash /"),
                               std::string("line\nbreak\r\ttab"), all_controls, std::string()}) {
    EXPECT_EQ(round_trip(s), s);
  }
  EXPECT_EQ(literal(std::string("a\x01", 2), InvalidUtf8::kReplace), "\"a\\u0001\"");
}

TEST(JsonString, WritesValidTextLikePythonJsonDumps) {
  // Jinja's tojson is json.dumps(..., ensure_ascii=False); both policies agree on valid text.
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls += static_cast<char>(c);
  const std::vector<std::string> texts = {"plain", "quote \" backslash \\ slash / del \x7F",
                                          all_controls, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
                                          ""};
  std::vector<std::string> args;
  std::string ours_keep;
  std::string ours_replace;
  for (const auto& t : texts) {
    args.push_back(nlohmann::json(t).dump());
    ours_keep += literal(t, InvalidUtf8::kKeep) + "\n";
    ours_replace += literal(t, InvalidUtf8::kReplace) + "\n";
  }
  const test::RunResult r = test::run_python(R"PY(
import json, sys
for a in sys.argv[1:]:
    print(json.dumps(json.loads(a), ensure_ascii=False))
)PY",
                                             args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ours_keep, r.out);
  EXPECT_EQ(ours_replace, r.out);
}

TEST(JsonString, ReplacesEachInvalidByteOrKeepsIt) {
  const std::string valid = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF";
  EXPECT_EQ(round_trip(valid), valid);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(round_trip("a\xFF"), "a" + fffd);
  EXPECT_EQ(round_trip("\xC0\x80"), fffd + fffd);                        // overlong NUL
  EXPECT_EQ(round_trip("\xED\xA0\x80"), fffd + fffd + fffd);             // a surrogate
  EXPECT_EQ(round_trip("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // above U+10FFFF
  EXPECT_EQ(round_trip("x\xE2\x82"), "x" + fffd + fffd);                 // cut short at the end
  EXPECT_EQ(round_trip("\xE2(\xA1"), fffd + "(" + fffd);
  EXPECT_EQ(literal("a\xFF\"\xC0\x80", InvalidUtf8::kKeep), "\"a\xFF\\\"\xC0\x80\"");
}

}  // namespace
}  // namespace reasonrec
