#include "data/fetch.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "data/catalog.hpp"
#include "data/sha256_manifest.hpp"
#include "file_server.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

namespace fs = std::filesystem;
using data::FileKind;

// The official layout, as a mirror under the test server's root would hold it.
const char* const kBeautyPath = "/amazon_v2/categoryFilesSmall/All_Beauty_5.json.gz";
const char* const kMagazineMetaPath = "/amazon_v2/metaFiles2/meta_Magazine_Subscriptions.json.gz";

// SHA-256 of the shared All_Beauty_5.json.gz as its SOURCE.md records it.
const char* const kBeautySha256 =
    "8e49737fefaec9290187c69bf92889452df8be0ab5e36c9476520d6639683279";

data::DownloadOptions quiet_options() {
  data::DownloadOptions options;
  options.progress = ProgressMode::Silent;
  options.initial_backoff = std::chrono::milliseconds(10);
  options.max_backoff = std::chrono::milliseconds(50);
  return options;
}

class FetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    beauty_ = read_file(shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz"));
    magazine_meta_ = read_file(
        shared_data("amazon2018_magazine_subscriptions/meta_Magazine_Subscriptions.json.gz"));
    server_.serve_bytes(kBeautyPath, beauty_);
    server_.serve_bytes(kMagazineMetaPath, magazine_meta_);
    dir_ = scratch_dir() / "out";
  }

  // A request the way the CLI builds it from the catalog.
  data::FetchRequest catalog_request(const std::string& domain, FileKind kind) const {
    const auto file = data::find_catalog_file(domain, kind);
    data::FetchRequest request;
    request.url = file.url(server_.base_url());
    request.directory = dir_;
    request.file_name = file.file_name();
    if (file.sha256) {
      request.expected_sha256 = file.sha256;
      request.expected_from = data::ChecksumSource::Catalog;
    }
    return request;
  }

  std::string error_of(const data::FetchRequest& request) const {
    try {
      data::fetch_file(request, quiet_options());
    } catch (const Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected reasonrec::Error";
    return "";
  }

  std::string manifest_text() const { return read_file(dir_ / data::kManifestName); }

  std::string beauty_;
  std::string magazine_meta_;
  FileServer server_;
  fs::path dir_;
};

TEST_F(FetchTest, CatalogChecksumIsVerifiedAndTheFileInstalled) {
  const auto result = data::fetch_file(
      catalog_request("2018/Magazine_Subscriptions", FileKind::Meta), quiet_options());
  EXPECT_EQ(result.status, data::FetchStatus::Downloaded);
  EXPECT_EQ(result.verified_against, data::ChecksumSource::Catalog);
  EXPECT_EQ(result.path, dir_ / "meta_Magazine_Subscriptions.json.gz");
  EXPECT_EQ(read_file(result.path), magazine_meta_);
  EXPECT_EQ(result.sha256, "4e64f9028648dee43200a4bd3e7b8c497ffd80ea52018e8f994a5fbd5d97faf6");
  EXPECT_FALSE(fs::exists(dir_ / "meta_Magazine_Subscriptions.json.gz.part"));
  EXPECT_EQ(manifest_text(),
            "4e64f9028648dee43200a4bd3e7b8c497ffd80ea52018e8f994a5fbd5d97faf6  "
            "meta_Magazine_Subscriptions.json.gz\n");
}

TEST_F(FetchTest, CatalogChecksumMismatchKeepsTheFileAsBadNotInPlace) {
  std::string tampered = magazine_meta_;
  tampered[tampered.size() / 2] ^= 0x01;
  server_.serve_bytes(kMagazineMetaPath, tampered);
  const auto request = catalog_request("2018/Magazine_Subscriptions", FileKind::Meta);
  const std::string error = error_of(request);
  EXPECT_NE(error.find("checksum mismatch"), std::string::npos) << error;
  EXPECT_NE(error.find(request.url), std::string::npos) << error;
  EXPECT_NE(error.find("4e64f9028648dee43200a4bd3e7b8c497ffd80ea52018e8f994a5fbd5d97faf6"),
            std::string::npos)
      << error;
  EXPECT_FALSE(fs::exists(dir_ / "meta_Magazine_Subscriptions.json.gz"));
  EXPECT_FALSE(fs::exists(dir_ / "meta_Magazine_Subscriptions.json.gz.part"));
  EXPECT_EQ(read_file(dir_ / "meta_Magazine_Subscriptions.json.gz.bad"), tampered);
  EXPECT_FALSE(fs::exists(dir_ / data::kManifestName));
}

TEST_F(FetchTest, UserChecksumMismatchIsAnError) {
  auto request = catalog_request("2018/All_Beauty", FileKind::FiveCore);
  request.expected_sha256 = std::string(64, '0');
  request.expected_from = data::ChecksumSource::User;
  const std::string error = error_of(request);
  EXPECT_NE(error.find("--sha256"), std::string::npos) << error;
  EXPECT_NE(error.find(kBeautySha256), std::string::npos) << error;
  EXPECT_TRUE(fs::exists(dir_ / "All_Beauty_5.json.gz.bad"));
  EXPECT_FALSE(fs::exists(dir_ / "All_Beauty_5.json.gz"));
}

TEST_F(FetchTest, UnknownChecksumIsRecordedThenVerifiedOnLaterRuns) {
  const auto request = catalog_request("2018/All_Beauty", FileKind::FiveCore);
  ASSERT_FALSE(request.expected_sha256);
  const auto first = data::fetch_file(request, quiet_options());
  EXPECT_EQ(first.verified_against, data::ChecksumSource::None);
  EXPECT_EQ(first.sha256, kBeautySha256);
  EXPECT_EQ(read_file(first.path), beauty_);
  EXPECT_EQ(manifest_text(), std::string(kBeautySha256) + "  All_Beauty_5.json.gz\n");

  // Present and unchanged: verified against the manifest, nothing downloaded.
  const auto second = data::fetch_file(request, quiet_options());
  EXPECT_EQ(second.status, data::FetchStatus::AlreadyPresent);
  EXPECT_EQ(second.verified_against, data::ChecksumSource::Manifest);
  EXPECT_EQ(server_.requests().size(), 1u);

  // Changed on disk since: an error, and the file is moved aside.
  std::ofstream(first.path, std::ios::binary | std::ios::app) << "x";
  const std::string error = error_of(request);
  EXPECT_NE(error.find("SHA256SUMS"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(first.path));
  EXPECT_EQ(read_file(dir_ / "All_Beauty_5.json.gz.bad"), beauty_ + "x");

  // The next run downloads it afresh and checks it against the recorded checksum.
  const auto third = data::fetch_file(request, quiet_options());
  EXPECT_EQ(third.status, data::FetchStatus::Downloaded);
  EXPECT_EQ(third.verified_against, data::ChecksumSource::Manifest);
  EXPECT_EQ(read_file(third.path), beauty_);
}

TEST_F(FetchTest, ServerFileChangedSinceRecordedIsDetected) {
  const auto request = catalog_request("2018/All_Beauty", FileKind::FiveCore);
  data::fetch_file(request, quiet_options());
  fs::remove(dir_ / "All_Beauty_5.json.gz");
  server_.serve_bytes(kBeautyPath, beauty_.substr(0, beauty_.size() - 10));
  const std::string error = error_of(request);
  EXPECT_NE(error.find("checksum mismatch"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(dir_ / "All_Beauty_5.json.gz"));
  EXPECT_TRUE(fs::exists(dir_ / "All_Beauty_5.json.gz.bad"));

  // --force trusts the server's new file and records its checksum instead.
  auto forced = request;
  forced.force = true;
  const auto result = data::fetch_file(forced, quiet_options());
  EXPECT_EQ(read_file(result.path), beauty_.substr(0, beauty_.size() - 10));
  EXPECT_EQ(data::Sha256Manifest::load(dir_ / data::kManifestName).find("All_Beauty_5.json.gz"),
            result.sha256);
}

TEST_F(FetchTest, InterruptedFetchResumesAndVerifies) {
  server_.set_fault(kMagazineMetaPath, {Fault::DropAfter, 400000, 500, {}, 1});
  const auto request = catalog_request("2018/Magazine_Subscriptions", FileKind::Meta);
  auto options = quiet_options();
  options.max_attempts = 1;
  EXPECT_THROW(data::fetch_file(request, options), Error);
  EXPECT_FALSE(fs::exists(dir_ / "meta_Magazine_Subscriptions.json.gz"));
  EXPECT_EQ(fs::file_size(dir_ / "meta_Magazine_Subscriptions.json.gz.part"), 400000u);

  const auto result = data::fetch_file(request, quiet_options());
  EXPECT_EQ(result.download.resumed_from, 400000u);
  EXPECT_EQ(result.verified_against, data::ChecksumSource::Catalog);
  EXPECT_EQ(read_file(result.path), magazine_meta_);
  EXPECT_EQ(server_.body_bytes_sent(), magazine_meta_.size());
}

TEST_F(FetchTest, OtherEntriesOfTheManifestAreKept) {
  data::fetch_file(catalog_request("2018/All_Beauty", FileKind::FiveCore), quiet_options());
  data::fetch_file(catalog_request("2018/Magazine_Subscriptions", FileKind::Meta), quiet_options());
  const auto manifest = data::Sha256Manifest::load(dir_ / data::kManifestName);
  EXPECT_EQ(manifest.entries().size(), 2u);
  EXPECT_EQ(manifest.find("All_Beauty_5.json.gz"), std::string(kBeautySha256));
}

}  // namespace
}  // namespace reasonrec::test
