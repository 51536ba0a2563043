#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm/json_writer.hpp"

namespace reasonrec::llm {
namespace {

// What an independent parser reads back from our literal.
std::string round_trip(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return nlohmann::json::parse(out).get<std::string>();
}

TEST(JsonWriter, EscapesWhatJsonRequires) {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls += static_cast<char>(c);
  for (const std::string& s : {std::string("plain"), std::string("quote \" backslash \\ slash /"),
                               std::string("line\nbreak\r\ttab"), all_controls, std::string()}) {
    EXPECT_EQ(round_trip(s), s);
  }
  std::string out;
  append_json_string(out, std::string("a\x01", 2));
  EXPECT_EQ(out, "\"a\\u0001\"");
}

TEST(JsonWriter, KeepsValidUtf8AndReplacesInvalidBytes) {
  const std::string valid = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xEF\xBF\xBF";
  EXPECT_EQ(round_trip(valid), valid);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(round_trip("a\xFF"), "a" + fffd);
  EXPECT_EQ(round_trip("\xC0\x80"), fffd + fffd);                        // overlong NUL
  EXPECT_EQ(round_trip("\xED\xA0\x80"), fffd + fffd + fffd);             // a surrogate
  EXPECT_EQ(round_trip("\xF4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // above U+10FFFF
  EXPECT_EQ(round_trip("x\xE2\x82"), "x" + fffd + fffd);                 // cut short at the end
  EXPECT_EQ(round_trip("\xE2(\xA1"), fffd + "(" + fffd);
}

TEST(JsonWriter, NumbersRoundTrip) {
  for (double v : {0.0, 0.7, 1.0, -2.5, 1e-300, 0.1 + 0.2}) {
    std::string out;
    append_json_number(out, v);
    EXPECT_EQ(nlohmann::json::parse(out).get<double>(), v) << out;
  }
  std::string out;
  append_json_number(out, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(out, "null");
  out.clear();
  append_json_number(out, std::uint64_t{18446744073709551615ULL});
  EXPECT_EQ(out, "18446744073709551615");
  out.clear();
  append_json_number(out, std::int64_t{-42});
  EXPECT_EQ(out, "-42");
}

}  // namespace
}  // namespace reasonrec::llm
