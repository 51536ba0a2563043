#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "llm/json_writer.hpp"

namespace reasonrec::llm {
namespace {

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
