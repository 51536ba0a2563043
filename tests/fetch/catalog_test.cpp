#include "data/catalog.hpp"

#include <gtest/gtest.h>

#include <set>

#include "data/sha256.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

using data::FileKind;

std::string url_of(const std::string& domain, FileKind kind) {
  return data::find_catalog_file(domain, kind).url(data::kDefaultBaseUrl);
}

// Expected URLs are the official layouts as published on the releases' download pages
// (nijianmo.github.io/amazon, amazon-reviews-2023.github.io, jmcauley.ucsd.edu index_2014).
TEST(Catalog, Release2018UrlsFollowTheOfficialLayout) {
  const std::string base = "https://mcauleylab.ucsd.edu/public_datasets/data/amazon_v2/";
  EXPECT_EQ(url_of("2018/All_Beauty", FileKind::FiveCore),
            base + "categoryFilesSmall/All_Beauty_5.json.gz");
  EXPECT_EQ(url_of("2018/All_Beauty", FileKind::Full), base + "categoryFiles/All_Beauty.json.gz");
  EXPECT_EQ(url_of("2018/All_Beauty", FileKind::Meta), base + "metaFiles2/meta_All_Beauty.json.gz");
  EXPECT_EQ(url_of("2018/Movies_and_TV", FileKind::FiveCore),
            base + "categoryFilesSmall/Movies_and_TV_5.json.gz");
  EXPECT_EQ(url_of("2018/AMAZON_FASHION", FileKind::Meta),
            base + "metaFiles2/meta_AMAZON_FASHION.json.gz");
}

TEST(Catalog, Release2023UrlsFollowTheOfficialLayout) {
  const std::string base = "https://mcauleylab.ucsd.edu/public_datasets/data/amazon_2023/";
  EXPECT_EQ(url_of("2023/All_Beauty", FileKind::Full),
            base + "raw/review_categories/All_Beauty.jsonl.gz");
  EXPECT_EQ(url_of("2023/All_Beauty", FileKind::Meta),
            base + "raw/meta_categories/meta_All_Beauty.jsonl.gz");
  EXPECT_EQ(url_of("2023/Beauty_and_Personal_Care", FileKind::FiveCore),
            base + "benchmark/5core/rating_only/Beauty_and_Personal_Care.csv.gz");
}

TEST(Catalog, Release2014UrlsFollowTheOfficialLayout) {
  const std::string base = "https://mcauleylab.ucsd.edu/public_datasets/data/amazon/categoryFiles/";
  EXPECT_EQ(url_of("2014/Beauty", FileKind::FiveCore), base + "reviews_Beauty_5.json.gz");
  EXPECT_EQ(url_of("2014/Beauty", FileKind::Meta), base + "meta_Beauty.json.gz");
  EXPECT_EQ(url_of("2014/Movies_and_TV", FileKind::Full), base + "reviews_Movies_and_TV.json.gz");
}

TEST(Catalog, CategoryIsMatchedCaseInsensitivelyAndKeepsOfficialSpelling) {
  const auto file = data::find_catalog_file("2018/all_beauty", FileKind::FiveCore);
  EXPECT_EQ(file.category, "All_Beauty");
  EXPECT_EQ(file.domain(), "2018/All_Beauty");
  EXPECT_EQ(file.file_name(), "All_Beauty_5.json.gz");
}

TEST(Catalog, UnknownNamesAreUsageErrorsThatSayWhatExists) {
  try {
    data::find_catalog_file("2018/Beauty", FileKind::FiveCore);
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("Luxury_Beauty"), std::string::npos) << e.what();
  }
  try {
    data::find_catalog_file("2019/All_Beauty", FileKind::FiveCore);
    FAIL() << "expected an error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("2023"), std::string::npos) << e.what();
  }
  EXPECT_THROW(data::find_catalog_file("All_Beauty", FileKind::FiveCore), UsageError);
}

TEST(Catalog, KindsParse) {
  EXPECT_EQ(data::parse_file_kind("5core"), FileKind::FiveCore);
  EXPECT_EQ(data::parse_file_kind("META"), FileKind::Meta);
  EXPECT_EQ(data::parse_file_kind("full"), FileKind::Full);
  EXPECT_FALSE(data::parse_file_kind("ratings"));
  for (const auto kind : {FileKind::FiveCore, FileKind::Full, FileKind::Meta}) {
    EXPECT_EQ(data::parse_file_kind(data::to_string(kind)), kind);
  }
}

TEST(Catalog, EveryReleaseCategoryAndKindHasOneDistinctFile) {
  const auto files = data::catalog_files();
  EXPECT_EQ(files.size(), 3u * (24 + 29 + 34));
  std::set<std::string> paths;
  for (const auto& file : files) {
    EXPECT_TRUE(paths.insert(file.path).second) << file.path;
    EXPECT_FALSE(file.format.empty());
  }
}

TEST(Catalog, KnownChecksumsAreThoseOfTheOfficialFilesInSharedData) {
  std::vector<std::pair<std::string, std::string>> with_checksum;
  for (const auto& file : data::catalog_files()) {
    if (file.sha256)
      with_checksum.emplace_back(file.domain() + " " + file.file_name(), *file.sha256);
  }
  ASSERT_EQ(with_checksum.size(), 3u);
  const auto checksum_of = [](const std::string& domain, FileKind kind) {
    return data::find_catalog_file(domain, kind).sha256.value_or("none");
  };
  EXPECT_EQ(checksum_of("2018/Magazine_Subscriptions", FileKind::FiveCore),
            data::sha256_file(
                shared_data("amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz")));
  EXPECT_EQ(checksum_of("2018/Magazine_Subscriptions", FileKind::Meta),
            data::sha256_file(shared_data(
                "amazon2018_magazine_subscriptions/meta_Magazine_Subscriptions.json.gz")));
  EXPECT_EQ(checksum_of("2014/Musical_Instruments", FileKind::FiveCore),
            data::sha256_file(shared_data(
                "amazon2014_musical_instruments_5core/reviews_Musical_Instruments_5.json.gz")));
  // The shared All_Beauty_5.json.gz was re-compressed: its checksum is not the official one.
  EXPECT_FALSE(data::find_catalog_file("2018/All_Beauty", FileKind::FiveCore).sha256);
}

TEST(Catalog, BaseUrlIsNormalisedAndChecked) {
  const auto file = data::find_catalog_file("2018/All_Beauty", FileKind::FiveCore);
  EXPECT_EQ(file.url("http://127.0.0.1:8080/mirror//"),
            "http://127.0.0.1:8080/mirror/amazon_v2/categoryFilesSmall/All_Beauty_5.json.gz");
  EXPECT_THROW(file.url("ftp://example.org"), UsageError);
  EXPECT_THROW(file.url("127.0.0.1:8080"), UsageError);
  EXPECT_THROW(file.url("http://"), UsageError);
}

}  // namespace
}  // namespace reasonrec::test
