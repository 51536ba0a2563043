#include <gtest/gtest.h>

#include <filesystem>

#include "file_server.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"

namespace reasonrec::test {
namespace {

namespace fs = std::filesystem;

const char* const kBeautyPath = "/amazon_v2/categoryFilesSmall/All_Beauty_5.json.gz";
const char* const kMagazinePath = "/amazon_v2/categoryFilesSmall/Magazine_Subscriptions_5.json.gz";
const char* const kMagazineMetaPath = "/amazon_v2/metaFiles2/meta_Magazine_Subscriptions.json.gz";

class FetchCli : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.serve_file(kBeautyPath,
                       shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz"));
    server_.serve_file(kMagazinePath, shared_data("amazon2018_magazine_subscriptions/"
                                                  "Magazine_Subscriptions_5.json.gz"));
    server_.serve_file(kMagazineMetaPath, shared_data("amazon2018_magazine_subscriptions/"
                                                      "meta_Magazine_Subscriptions.json.gz"));
    dir_ = scratch_dir() / "out";
  }

  RunResult fetch(std::vector<std::string> extra) {
    std::vector<std::string> args = {"data",  "fetch",       "--base-url",   server_.base_url(),
                                     "--out", dir_.string(), "--retry-wait", "0.01"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_reasonrec(args);
  }

  FileServer server_;
  fs::path dir_;
};

TEST_F(FetchCli, FetchesFiveCoreAndMetaByDefaultAndPrintsSha256sumLines) {
  const auto r = fetch({"2018/Magazine_Subscriptions"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "95c124603d62d6acdfd1bd62284934fb6c513db836ea64c2e8176c14256426f2  " +
                       (dir_ / "Magazine_Subscriptions_5.json.gz").string() +
                       "\n"
                       "4e64f9028648dee43200a4bd3e7b8c497ffd80ea52018e8f994a5fbd5d97faf6  " +
                       (dir_ / "meta_Magazine_Subscriptions.json.gz").string() + "\n");
  EXPECT_NE(r.err.find("verified against catalog"), std::string::npos) << r.err;
  EXPECT_EQ(
      read_file(dir_ / "Magazine_Subscriptions_5.json.gz"),
      read_file(shared_data("amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz")));
}

TEST_F(FetchCli, SecondRunFindsTheFilePresentWithoutDownloading) {
  ASSERT_EQ(fetch({"2018/All_Beauty", "--kind", "5core", "-q"}).exit_code, 0);
  const auto r = fetch({"2018/All_Beauty", "--kind", "5core"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("already present"), std::string::npos) << r.err;
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(FetchCli, NotFoundExitsOneNamingTheUrl) {
  const auto r = fetch({"2018/Books", "--kind", "5core"});
  EXPECT_EQ(r.exit_code, 1);
  const std::string url = server_.url("/amazon_v2/categoryFilesSmall/Books_5.json.gz");
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
}

TEST_F(FetchCli, ChecksumMismatchExitsOneAndKeepsBadFile) {
  const auto r = fetch({"2018/All_Beauty", "--kind", "5core", "--sha256", std::string(64, 'f')});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("checksum mismatch"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir_ / "All_Beauty_5.json.gz.bad"));
  EXPECT_FALSE(fs::exists(dir_ / "All_Beauty_5.json.gz"));
}

TEST_F(FetchCli, InterruptedRunResumesOnTheNextRun) {
  server_.set_fault(kBeautyPath, {Fault::DropAfter, 300000, 500, {}, 1});
  const auto first = fetch({"2018/All_Beauty", "--kind", "5core", "--retries", "0"});
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_NE(first.err.find("next run resumes"), std::string::npos) << first.err;
  const auto second = fetch({"2018/All_Beauty", "--kind", "5core"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].range, "bytes=300000-");
  EXPECT_EQ(
      requests[1].body_bytes_sent,
      fs::file_size(shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz")) - 300000);
}

TEST_F(FetchCli, UsageErrorsExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"2018/No_Such_Category"},
           {"1999/All_Beauty"},
           {"2018/All_Beauty", "--kind", "ratings"},
           {"2018/All_Beauty", "--kind", "5core", "--sha256", "abc"},
           {"2018/All_Beauty", "--sha256", std::string(64, 'a')},  // two kinds by default
           {},
       }) {
    const auto r = fetch(args);
    EXPECT_EQ(r.exit_code, 2) << (args.empty() ? "(no domain)" : args.front()) << ": " << r.err;
    EXPECT_FALSE(r.err.empty());
  }
  EXPECT_TRUE(server_.requests().empty());
  const auto bad_base =
      run_reasonrec({"data", "fetch", "2018/All_Beauty", "--base-url", "ftp://x"});
  EXPECT_EQ(bad_base.exit_code, 2) << bad_base.err;
}

TEST_F(FetchCli, ListPrintsTheCatalog) {
  const auto r = run_reasonrec({"data", "fetch", "--list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2018/All_Beauty\t5core\thttps://mcauleylab.ucsd.edu/public_datasets/data/"
                       "amazon_v2/categoryFilesSmall/All_Beauty_5.json.gz\t-\t"),
            std::string::npos);
  EXPECT_NE(r.out.find("2023/Movies_and_TV\tfull\thttps://mcauleylab.ucsd.edu/public_datasets/data/"
                       "amazon_2023/raw/review_categories/Movies_and_TV.jsonl.gz"),
            std::string::npos);
  const auto mirrored = run_reasonrec({"data", "fetch", "--list", "--base-url", "http://m/x/"});
  EXPECT_NE(mirrored.out.find("\thttp://m/x/amazon/categoryFiles/reviews_Beauty_5.json.gz\t"),
            std::string::npos);
}

TEST_F(FetchCli, HelpWorks) {
  const auto r = run_reasonrec({"data", "fetch", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--base-url"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace reasonrec::test
