#include "data/download.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "file_server.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::test {
namespace {

namespace fs = std::filesystem;

const char* const kPath = "/amazon_v2/categoryFilesSmall/Magazine_Subscriptions_5.json.gz";

fs::path source_file() {
  return shared_data("amazon2018_magazine_subscriptions/Magazine_Subscriptions_5.json.gz");
}

data::DownloadOptions quick_options(std::vector<std::string>* notices = nullptr) {
  data::DownloadOptions options;
  options.progress = ProgressMode::Silent;
  options.initial_backoff = std::chrono::milliseconds(10);
  options.max_backoff = std::chrono::milliseconds(50);
  options.connect_timeout = std::chrono::milliseconds(5000);
  options.stall_timeout = std::chrono::seconds(10);
  if (notices != nullptr) {
    options.on_notice = [notices](const std::string& line) { notices->push_back(line); };
  }
  return options;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected reasonrec::Error";
  return "";
}

class DownloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = read_file(source_file());
    server_.serve_bytes(kPath, source_);
    part_ = scratch_dir() / "file.part";
  }

  std::string source_;
  FileServer server_;
  fs::path part_;
};

TEST_F(DownloadTest, FullDownloadEqualsSourceByteForByte) {
  const auto report = data::download_resumable(server_.url(kPath), part_, quick_options());
  EXPECT_EQ(read_file(part_), source_);
  EXPECT_EQ(report.size, source_.size());
  EXPECT_EQ(report.received, source_.size());
  EXPECT_EQ(report.resumed_from, 0u);
  EXPECT_EQ(report.attempts, 1);
  ASSERT_EQ(server_.requests().size(), 1u);
  EXPECT_EQ(server_.requests()[0].range, "");  // nothing to resume: no Range header
}

TEST_F(DownloadTest, InterruptedDownloadResumesWithOnlyTheRest) {
  constexpr std::uint64_t kCut = 150000;
  server_.set_fault(kPath, {Fault::DropAfter, kCut, 500, {}, 1});
  auto options = quick_options();
  options.max_attempts = 1;
  const std::string error =
      error_of([&] { data::download_resumable(server_.url(kPath), part_, options); });
  EXPECT_NE(error.find(server_.url(kPath)), std::string::npos) << error;
  EXPECT_NE(error.find(part_.string()), std::string::npos) << error;
  ASSERT_TRUE(fs::exists(part_));
  EXPECT_EQ(fs::file_size(part_), kCut);
  EXPECT_EQ(read_file(part_), source_.substr(0, kCut));

  // A second run (a new process, as far as the download is concerned) asks for the rest only.
  const auto report = data::download_resumable(server_.url(kPath), part_, quick_options());
  EXPECT_EQ(read_file(part_), source_);
  EXPECT_EQ(report.resumed_from, kCut);
  EXPECT_EQ(report.received, source_.size() - kCut);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].range, "bytes=" + std::to_string(kCut) + "-");
  EXPECT_EQ(requests[1].status, 206);
  EXPECT_EQ(requests[1].body_bytes_sent, source_.size() - kCut);
  EXPECT_EQ(server_.body_bytes_sent(), source_.size());
}

TEST_F(DownloadTest, DroppedConnectionIsRetriedAndResumedWithinOneRun) {
  server_.set_fault(kPath, {Fault::DropAfter, 100000, 500, {}, 2});
  std::vector<std::string> notices;
  const auto report = data::download_resumable(server_.url(kPath), part_, quick_options(&notices));
  EXPECT_EQ(read_file(part_), source_);
  EXPECT_EQ(report.attempts, 3);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].range, "");
  EXPECT_EQ(requests[1].range, "bytes=100000-");
  EXPECT_EQ(requests[2].range, "bytes=200000-");
  // Nothing was sent twice.
  EXPECT_EQ(server_.body_bytes_sent(), source_.size());
  EXPECT_EQ(notices.size(), 2u);
}

TEST_F(DownloadTest, ServerErrorThenSuccessIsRetried) {
  server_.set_fault(kPath, {Fault::Status, 0, 500, {}, 2});
  std::vector<std::string> notices;
  const auto report = data::download_resumable(server_.url(kPath), part_, quick_options(&notices));
  EXPECT_EQ(read_file(part_), source_);
  EXPECT_EQ(report.attempts, 3);
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_NE(notices[0].find("HTTP 500"), std::string::npos) << notices[0];
  EXPECT_NE(notices[0].find("retrying"), std::string::npos) << notices[0];
}

TEST_F(DownloadTest, PersistentServerErrorGivesUpAfterMaxAttemptsNamingTheUrl) {
  server_.set_fault(kPath, {Fault::Status, 0, 503, {}, -1});
  auto options = quick_options();
  options.max_attempts = 3;
  const std::string error =
      error_of([&] { data::download_resumable(server_.url(kPath), part_, options); });
  EXPECT_NE(error.find(server_.url(kPath)), std::string::npos) << error;
  EXPECT_NE(error.find("503"), std::string::npos) << error;
  EXPECT_EQ(server_.requests().size(), 3u);
}

TEST_F(DownloadTest, NotFoundFailsAtOnceNamingTheUrl) {
  const std::string url = server_.url("/amazon_v2/categoryFilesSmall/No_Such_5.json.gz");
  const std::string error =
      error_of([&] { data::download_resumable(url, part_, quick_options()); });
  EXPECT_NE(error.find(url), std::string::npos) << error;
  EXPECT_NE(error.find("404"), std::string::npos) << error;
  EXPECT_EQ(server_.requests().size(), 1u);  // a 404 is not retried
  EXPECT_FALSE(fs::exists(part_));
}

TEST_F(DownloadTest, ServerIgnoringRangeRestartsFromZero) {
  constexpr std::uint64_t kCut = 120000;
  server_.set_fault(kPath, {Fault::DropAfter, kCut, 500, {}, 1});
  auto options = quick_options();
  options.max_attempts = 1;
  error_of([&] { data::download_resumable(server_.url(kPath), part_, options); });
  ASSERT_EQ(fs::file_size(part_), kCut);

  server_.set_fault(kPath, {Fault::IgnoreRange, 0, 500, {}, -1});
  std::vector<std::string> notices;
  const auto report = data::download_resumable(server_.url(kPath), part_, quick_options(&notices));
  EXPECT_EQ(read_file(part_), source_);  // not the first kCut bytes twice
  EXPECT_EQ(report.restarts, 1);
  EXPECT_EQ(report.received, source_.size());
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].range, "bytes=" + std::to_string(kCut) + "-");
  EXPECT_EQ(requests[1].status, 200);
  ASSERT_FALSE(notices.empty());
  EXPECT_NE(notices.back().find("ignored"), std::string::npos) << notices.back();
}

TEST_F(DownloadTest, CompletePartialFileIsRecognisedFrom416) {
  {
    std::ofstream out(part_, std::ios::binary);
    out << source_;
  }
  const auto report = data::download_resumable(server_.url(kPath), part_, quick_options());
  EXPECT_EQ(read_file(part_), source_);
  EXPECT_EQ(report.received, 0u);
  ASSERT_EQ(server_.requests().size(), 1u);
  EXPECT_EQ(server_.requests()[0].status, 416);
  EXPECT_EQ(server_.body_bytes_sent(), 0u);
}

TEST_F(DownloadTest, PartialFileLongerThanTheFileIsRestarted) {
  {
    std::ofstream out(part_, std::ios::binary);
    out << source_ << "trailing junk";
  }
  const auto report = data::download_resumable(server_.url(kPath), part_, quick_options());
  EXPECT_EQ(read_file(part_), source_);
  EXPECT_EQ(report.restarts, 1);
}

TEST_F(DownloadTest, RedirectsAreFollowed) {
  server_.redirect("/old/location.json.gz", kPath);
  const auto report =
      data::download_resumable(server_.url("/old/location.json.gz"), part_, quick_options());
  EXPECT_EQ(read_file(part_), source_);
  EXPECT_EQ(report.attempts, 1);
  ASSERT_EQ(server_.requests().size(), 2u);
  EXPECT_EQ(server_.requests()[0].status, 302);
}

TEST_F(DownloadTest, StalledTransferTimesOutAndResumes) {
  server_.set_fault(kPath, {Fault::Stall, 50000, 500, std::chrono::milliseconds(2500), 1});
  auto options = quick_options();
  options.stall_timeout = std::chrono::seconds(1);
  const auto report = data::download_resumable(server_.url(kPath), part_, options);
  EXPECT_EQ(read_file(part_), source_);
  EXPECT_EQ(report.attempts, 2);
  const auto requests = server_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].range, "bytes=50000-");
}

TEST_F(DownloadTest, ConnectionRefusedIsRetriedThenReported) {
  // A socket bound to a port but not listening: connecting to it is refused, and no other
  // test can take the port while the socket holds it.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const std::string url =
      "http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + std::string(kPath);
  auto options = quick_options();
  options.max_attempts = 2;
  const std::string error = error_of([&] { data::download_resumable(url, part_, options); });
  ::close(fd);
  EXPECT_NE(error.find(url), std::string::npos) << error;
  EXPECT_NE(error.find("2 attempts"), std::string::npos) << error;
}

TEST_F(DownloadTest, EmptyFileDownloads) {
  server_.serve_bytes("/empty.csv.gz", "");
  const auto report =
      data::download_resumable(server_.url("/empty.csv.gz"), part_, quick_options());
  ASSERT_TRUE(fs::exists(part_));
  EXPECT_EQ(fs::file_size(part_), 0u);
  EXPECT_EQ(report.size, 0u);
}

}  // namespace
}  // namespace reasonrec::test
