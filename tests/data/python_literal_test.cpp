#include <gtest/gtest.h>

#include "data/python_literal.hpp"

namespace reasonrec::data {
namespace {

TEST(PythonLiteral, Amazon2014MetadataLine) {
  const auto j = parse_python_literal(
      "{'asin': '0000031852', 'title': 'Girls Ballet Tutu Zebra Hot Pink', 'price': 3.17, "
      "'related': {'also_bought': ['B00JHONN1S', 'B002BZX8Z6']}, 'salesRank': {'Sports &amp; "
      "Outdoors': 8547}, 'categories': [['Sports & Outdoors', 'Other Sports', 'Dance']], "
      "'brand': 'Coxlist', 'imUrl': None, 'in_stock': True}");
  EXPECT_EQ(j["asin"], "0000031852");
  EXPECT_DOUBLE_EQ(j["price"].get<double>(), 3.17);
  EXPECT_EQ(j["categories"][0][2], "Dance");
  EXPECT_EQ(j["salesRank"]["Sports &amp; Outdoors"], 8547);
  EXPECT_TRUE(j["imUrl"].is_null());
  EXPECT_EQ(j["in_stock"], true);
}

TEST(PythonLiteral, QuotesAndEscapes) {
  const auto j = parse_python_literal(
      R"({"title": "Men's \"Best\" Razor", 'd': 'It\'s a\ttab\\n', 'e': 'line\nbreak'})");
  EXPECT_EQ(j["title"], "Men's \"Best\" Razor");
  EXPECT_EQ(j["d"], "It's a\ttab\\n");
  EXPECT_EQ(j["e"], "line\nbreak");
}

TEST(PythonLiteral, UnicodeAndByteEscapes) {
  // u'' strings: \xe9 is U+00E9; plain strings: \xc3\xa9 are UTF-8 bytes of U+00E9.
  EXPECT_EQ(parse_python_literal(R"(u'caf\xe9')"), "caf\xC3\xA9");
  EXPECT_EQ(parse_python_literal(R"('caf\xc3\xa9')"), "caf\xC3\xA9");
  // Bytes that are not UTF-8 are read as Latin-1.
  EXPECT_EQ(parse_python_literal(R"('caf\xe9')"), "caf\xC3\xA9");
  EXPECT_EQ(parse_python_literal(R"('\u2019s \U0001F600')"), "\xE2\x80\x99s \xF0\x9F\x98\x80");
  EXPECT_EQ(parse_python_literal("'already \xC3\xA9 utf8'"), "already \xC3\xA9 utf8");
}

TEST(PythonLiteral, NumbersTuplesAndTrailingCommas) {
  const auto j = parse_python_literal("{'a': (1, 2,), 'b': [-3.5e2, 7L, 1_000], 'c': {},}");
  EXPECT_EQ(j["a"], nlohmann::json::array({1, 2}));
  EXPECT_DOUBLE_EQ(j["b"][0].get<double>(), -350.0);
  EXPECT_EQ(j["b"][1], 7);
  EXPECT_EQ(j["b"][2], 1000);
  EXPECT_TRUE(j["c"].is_object());
}

TEST(PythonLiteral, ErrorsCarryTheOffset) {
  for (const char* bad : {"{'a': 1", "{'a' 1}", "{'a': 'unterminated}", "{'a': [1, 2}",
                          "{'a': 1} x", "{'a': nope}", "", "{'a': '\\x4'}"}) {
    try {
      parse_python_literal(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const PythonLiteralError& e) {
      EXPECT_LE(e.offset(), std::string_view(bad).size()) << bad;
      EXPECT_NE(std::string(e.what()).find("at byte"), std::string::npos);
    }
  }
}

TEST(PythonLiteral, DeepNestingIsRejectedNotACrash) {
  std::string deep(100000, '[');
  EXPECT_THROW(parse_python_literal(deep), PythonLiteralError);
}

}  // namespace
}  // namespace reasonrec::data
