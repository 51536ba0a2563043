#include <sstream>

#include <gtest/gtest.h>

#include "data/example_io.hpp"
#include "util/error.hpp"

namespace reasonrec::data {
namespace {

Example sample() {
  Example e;
  e.id = "U1/I9/100";
  e.split = "test";
  e.user = "U1";
  e.rating = 4;
  e.time = 100;
  e.target.meta = {"I9", "Lip Balm", "Acme", {"Beauty", "Lips"}, "Soft & smooth", "$3.99"};
  e.target.has_meta = true;
  e.review = "nice";
  HistoryEntry h;
  h.item.meta.item = "I1";
  h.rating = 5;
  h.review = "caf\xc3\xa9 great";
  h.time = 50;
  e.history.push_back(h);
  return e;
}

TEST(ExampleIo, RoundTripsThroughJsonl) {
  const Example e = sample();
  const std::string line = example_to_jsonl_line(e);
  const Example back = example_from_json(nlohmann::json::parse(line), "x.jsonl", 1);
  EXPECT_EQ(example_to_jsonl_line(back), line);
  EXPECT_EQ(back.history.at(0).review, "caf\xc3\xa9 great");
  EXPECT_EQ(back.target.meta.categories, (std::vector<std::string>{"Beauty", "Lips"}));
}

TEST(ExampleIo, KeysComeInDocumentedOrder) {
  const std::string line = example_to_jsonl_line(sample());
  EXPECT_EQ(line.rfind("{\"id\":\"U1/I9/100\",\"split\":\"test\",\"user\":\"U1\",\"rating\":4", 0),
            0u)
      << line;
}

TEST(ExampleIo, InvalidUtf8IsReplacedNotFatal) {
  Example e = sample();
  e.review = "bad \xff byte";
  const std::string line = example_to_jsonl_line(e);
  EXPECT_NE(line.find("bad \xef\xbf\xbd byte"), std::string::npos);
}

TEST(ExampleIo, WrongFieldTypeNamesFileLineAndField) {
  auto j = nlohmann::json::parse(example_to_jsonl_line(sample()));
  j["history"][0]["rating"] = "five";
  try {
    example_from_json(j, "ex.jsonl", 7);
    FAIL() << "expected an InputError";
  } catch (const InputError& err) {
    EXPECT_STREQ(err.what(), "ex.jsonl:7: field 'history[0].rating': expected an integer");
  }
}

TEST(ExampleIo, RatingOutOfRangeIsRejected) {
  auto j = nlohmann::json::parse(example_to_jsonl_line(sample()));
  j["rating"] = 6;
  EXPECT_THROW(example_from_json(j, "ex.jsonl", 1), InputError);
}

}  // namespace
}  // namespace reasonrec::data
