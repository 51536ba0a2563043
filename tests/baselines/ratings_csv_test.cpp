#include <gtest/gtest.h>

#include <fstream>

#include "baselines/ratings_table.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

std::string write(const std::string& text) {
  const auto path = (scratch_dir() / "ratings.csv").string();
  std::ofstream(path) << text;
  return path;
}

std::string error_of(const std::string& path) {
  try {
    baselines::read_ratings_csv(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(RatingsCsv, SplitsQuotedFields) {
  std::vector<std::string> fields;
  ASSERT_TRUE(baselines::split_csv_line(R"(a,"b,c","say ""hi""",,e)", fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"a", "b,c", "say \"hi\"", "", "e"}));
  ASSERT_TRUE(baselines::split_csv_line("x,y\r", fields));
  EXPECT_EQ(fields, (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(baselines::split_csv_line(R"(a,"open)", fields));
}

TEST(RatingsCsv, DetectsAmazon2023Columns) {
  const auto ratings = baselines::read_ratings_csv(
      write("user_id,parent_asin,rating,timestamp\nU1,B07,5.0,1547589356557\n\nU2,\"B,8\",3,12\n"));
  ASSERT_EQ(ratings.size(), 2u);
  EXPECT_EQ(ratings[0].user, "U1");
  EXPECT_EQ(ratings[0].item, "B07");
  EXPECT_EQ(ratings[0].rating, 5.0);
  EXPECT_EQ(ratings[0].time, 1547589356557);
  EXPECT_EQ(ratings[1].item, "B,8");
}

TEST(RatingsCsv, TimeIsOptionalAndColumnsCanBeNamed) {
  const auto ratings =
      baselines::read_ratings_csv(write("who,what,stars\na,b,4.5\n"), {"who", "what", "stars", ""});
  ASSERT_EQ(ratings.size(), 1u);
  EXPECT_EQ(ratings[0].rating, 4.5);
  EXPECT_EQ(ratings[0].time, 0);
}

TEST(RatingsCsv, BadInputNamesFileLineAndColumn) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"userId,movieId,rating\n1,2,four\n", ":2: column 'rating': expected a number, got 'four'"},
      {"userId,movieId,rating,timestamp\n1,2,4,9\n1,2\n", ":3: expected 4 fields, got 2"},
      {"userId,movieId,rating,timestamp\n1,2,4,soon\n", ":2: column 'timestamp': expected an"},
      {"userId,movieId,rating\n,2,4\n", ":2: column 'userId': empty"},
      {"userId,movieId,rating\n1,\"2,4\n", ":2: unterminated quoted field"},
      {"userId,score\n1,2\n", ":1: no item column"},
      {"", ":1: missing or malformed header row"},
  };
  for (const auto& c : cases) {
    const auto path = write(c.text);
    const auto message = error_of(path);
    EXPECT_NE(message.find(path + c.expected), std::string::npos)
        << "got: " << message << "\nwanted: " << c.expected;
  }
  EXPECT_NE(error_of("/no/such/ratings.csv").find("cannot open"), std::string::npos);
}

TEST(RatingsSplit, RejectsBadFractionsAndHandlesExtremes) {
  std::vector<baselines::Rating> ratings(10, {"u", "i", 3.0, 0});
  EXPECT_THROW(baselines::split_ratings(ratings, 1.5, 0), UsageError);
  EXPECT_EQ(baselines::split_ratings(ratings, 0.0, 0).test.size(), 0u);
  EXPECT_EQ(baselines::split_ratings(ratings, 1.0, 0).train.size(), 0u);
  EXPECT_EQ(baselines::split_ratings(ratings, 0.25, 0).test.size(), 3u);  // round(2.5) = 3
}

}  // namespace
}  // namespace reasonrec::test
