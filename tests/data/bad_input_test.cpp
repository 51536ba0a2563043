// Corrupted copies of the real files: each fault stops with "file:line: what" by default and is
// skipped and counted with skip-bad.
#include <zlib.h>

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "data/readers.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::data {
using reasonrec::InputError;
using reasonrec::UsageError;
namespace {

std::vector<std::string> real_lines(std::size_t n) {
  const auto path = test::shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz").string();
  gzFile f = gzopen(path.c_str(), "rb");
  std::vector<std::string> lines;
  std::string current;
  char buf[65536];
  int got;
  while (lines.size() < n && (got = gzread(f, buf, sizeof buf)) > 0) {
    for (int i = 0; i < got && lines.size() < n; ++i) {
      if (buf[i] == '\n') {
        lines.push_back(current);
        current.clear();
      } else {
        current.push_back(buf[i]);
      }
    }
  }
  gzclose(f);
  return lines;
}

std::string write_lines(const std::vector<std::string>& lines, const std::string& name) {
  const auto path = (test::scratch_dir() / name).string();
  std::ofstream out(path, std::ios::binary);
  for (const auto& l : lines) out << l << '\n';
  return path;
}

struct Fault {
  const char* name;
  std::string (*corrupt)(const std::string&);
  const char* reason;   // counting category
  const char* message;  // part of the error message
};

const Fault kFaults[] = {
    {"broken", [](const std::string& l) { return l.substr(0, l.size() / 2); }, "malformed JSON",
     "malformed JSON"},
    {"utf8", [](const std::string& l) { return l.substr(0, 40) + "\xff\xfe" + l.substr(40); },
     "invalid UTF-8", "invalid UTF-8"},
    {"type",
     [](const std::string& l) {
       std::string s = l;
       const auto p = s.find("\"overall\": ");
       return s.replace(p, 14, "\"overall\": \"5\"");
     },
     "wrong type", "field 'overall': expected a number"},
    {"missing",
     [](const std::string& l) {
       std::string s = l;
       return s.replace(s.find("\"reviewerID\""), 12, "\"reviewerXX\"");
     },
     "missing field", "missing field 'reviewerID'"},
    {"range",
     [](const std::string& l) {
       std::string s = l;
       const auto p = s.find("\"overall\": ");
       return s.replace(p, 14, "\"overall\": 7.0");
     },
     "rating out of range", "rating must be a whole number 1..5"},
};

TEST(BadInput, EachFaultStopsWithFileLineAndReason) {
  for (const Fault& fault : kFaults) {
    auto lines = real_lines(50);
    ASSERT_EQ(lines.size(), 50u);
    lines[36] = fault.corrupt(lines[36]);
    const auto path = write_lines(lines, std::string(fault.name) + ".json");
    std::size_t delivered = 0;
    try {
      read_reviews(path, SourceFormat::ReviewsJson, {}, [&](Review&&) { ++delivered; });
      ADD_FAILURE() << fault.name << ": no error";
    } catch (const InputError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind(path + ":37: ", 0), 0u) << what;
      EXPECT_NE(what.find(fault.message), std::string::npos) << what;
      EXPECT_EQ(delivered, 36u) << fault.name;
    }
  }
}

TEST(BadInput, SkipBadCountsEveryFaultByReason) {
  auto lines = real_lines(200);
  for (std::size_t i = 0; i < std::size(kFaults); ++i) {
    lines[10 + i * 20] = kFaults[i].corrupt(lines[10 + i * 20]);
    lines[11 + i * 20] = kFaults[i].corrupt(lines[11 + i * 20]);
  }
  const auto path = write_lines(lines, "all_faults.json");
  std::size_t delivered = 0;
  const auto report =
      read_reviews(path, SourceFormat::ReviewsJson, {.skip = true}, [&](Review&&) { ++delivered; });
  EXPECT_EQ(delivered, 200u - 2 * std::size(kFaults));
  EXPECT_EQ(report.records, delivered);
  EXPECT_EQ(report.lines, 200u);
  for (const Fault& f : kFaults) EXPECT_EQ(report.skipped.by_reason().at(f.reason), 2u) << f.reason;
  EXPECT_EQ(report.skipped.total(), 2 * std::size(kFaults));
  EXPECT_FALSE(report.skipped.examples().empty());
}

TEST(BadInput, RecordsOverTheMaximumSizeStopOrAreCounted) {
  auto lines = real_lines(50);
  lines[7] =
      lines[7].substr(0, lines[7].size() - 1) + ", \"pad\": \"" + std::string(3000, 'p') + "\"}";
  const auto path = write_lines(lines, "long_record.json");
  BadInputPolicy policy;
  policy.max_record_bytes = 2048;
  try {
    read_reviews(path, SourceFormat::ReviewsJson, policy, [](Review&&) {});
    FAIL() << "no error for an over-long record";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 8u);
    EXPECT_NE(std::string(e.what()).find("exceeds the maximum record size of 2048 bytes"),
              std::string::npos)
        << e.what();
  }
  policy.skip = true;
  std::size_t delivered = 0;
  const auto report =
      read_reviews(path, SourceFormat::ReviewsJson, policy, [&](Review&&) { ++delivered; });
  EXPECT_EQ(delivered, 49u);
  EXPECT_EQ(report.lines, 50u);
  EXPECT_EQ(report.skipped.by_reason().at("record too large"), 1u);
  // The default limit (64 MiB) reads the same file whole.
  EXPECT_EQ(read_reviews(path, SourceFormat::ReviewsJson, {}, [](Review&&) {}).records, 50u);
}

TEST(BadInput, TruncatedGzipStopsOrIsCountedOnce) {
  const auto src = test::shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz");
  std::ifstream in(src, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  const std::string gz = bytes.str();
  const auto path = (test::scratch_dir() / "cut.json.gz").string();
  std::ofstream(path, std::ios::binary) << gz.substr(0, gz.size() * 2 / 3);

  try {
    read_reviews(path, SourceFormat::ReviewsJson, {}, [](Review&&) {});
    FAIL() << "no error for a truncated gzip";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("truncated gzip"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(path + ":", 0), 0u);
  }
  std::size_t delivered = 0;
  const auto report =
      read_reviews(path, SourceFormat::ReviewsJson, {.skip = true}, [&](Review&&) { ++delivered; });
  EXPECT_GT(delivered, 1000u);
  EXPECT_LT(delivered, 5269u);
  // The last partial line may also be counted as malformed; the stream error is counted once.
  EXPECT_EQ(report.skipped.by_reason().at("truncated or corrupt compressed data"), 1u);
}

TEST(BadInput, WrongKindOfFileIsNamed) {
  const auto meta =
      test::shared_data("amazon2018_magazine_subscriptions/meta_Magazine_Subscriptions.json.gz")
          .string();
  EXPECT_EQ(detect_format(meta), SourceFormat::MetaJson);
  EXPECT_THROW(read_reviews(meta, SourceFormat::MetaJson, {}, [](Review&&) {}), InputError);
  const auto path = (test::scratch_dir() / "junk.txt").string();
  std::ofstream(path) << "hello world\n";
  try {
    detect_format(path);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind(path + ":1: unrecognised format", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace reasonrec::data
