#include "data/sha256.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "data/sha256_manifest.hpp"
#include "support/paths.hpp"
#include "support/run.hpp"
#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::test {
namespace {

namespace fs = std::filesystem;

// FIPS 180-2 appendix B test vectors.
TEST(Sha256, PublishedTestVectors) {
  EXPECT_EQ(data::sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(data::sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(data::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  data::Sha256 million;
  const std::string thousand(1000, 'a');
  for (int i = 0; i < 1000; ++i) million.update(thousand);
  EXPECT_EQ(million.hex_digest(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// The checksums recorded in each SOURCE.md when the shared files were gathered.
TEST(Sha256, SharedFilesMatchTheirSourceRecords) {
  EXPECT_EQ(data::sha256_file(shared_data("amazon2018_all_beauty_5core/All_Beauty_5.json.gz")),
            "8e49737fefaec9290187c69bf92889452df8be0ab5e36c9476520d6639683279");
  EXPECT_EQ(data::sha256_file(shared_data(
                "amazon2018_magazine_subscriptions/meta_Magazine_Subscriptions.json.gz")),
            "4e64f9028648dee43200a4bd3e7b8c497ffd80ea52018e8f994a5fbd5d97faf6");
  EXPECT_EQ(data::sha256_file(shared_data(
                "amazon2014_musical_instruments_5core/reviews_Musical_Instruments_5.json.gz")),
            "03f9cc27ae13a454cb4ea6cb620fb10546cc1194ef921441d1c5f34addff2748");
}

TEST(Sha256, FileHashesAgreeWithPythonHashlibAcrossBlockBoundaries) {
  const auto dir = scratch_dir();
  Rng rng(20240611);
  std::vector<fs::path> files;
  for (const std::size_t size : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 1000u, (1u << 20) + 7u}) {
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(rng.below(256));
    const auto path = dir / ("random_" + std::to_string(size) + ".bin");
    std::ofstream(path, std::ios::binary) << bytes;
    files.push_back(path);
  }
  std::vector<std::string> args;
  for (const auto& f : files) args.push_back(f.string());
  const auto python = run_python(
      "import hashlib, sys\n"
      "for p in sys.argv[1:]:\n"
      "    print(hashlib.sha256(open(p, 'rb').read()).hexdigest())\n",
      args);
  ASSERT_EQ(python.exit_code, 0) << python.err;
  std::istringstream lines(python.out);
  for (const auto& f : files) {
    std::string expected;
    std::getline(lines, expected);
    EXPECT_EQ(data::sha256_file(f), expected) << f;
  }
}

TEST(Sha256, MissingFileIsAnInputErrorNamingIt) {
  const auto path = scratch_dir() / "missing.gz";
  try {
    data::sha256_file(path);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), path.string());
  }
}

TEST(Sha256, NormalizeAcceptsHexOfEitherCaseOnly) {
  const std::string upper(64, 'A');
  EXPECT_EQ(data::normalize_sha256(upper, "x"), std::string(64, 'a'));
  EXPECT_THROW(data::normalize_sha256(std::string(63, 'a'), "x"), UsageError);
  EXPECT_THROW(data::normalize_sha256(std::string(64, 'g'), "x"), UsageError);
  EXPECT_THROW(data::normalize_sha256("", "x"), UsageError);
}

TEST(Sha256Manifest, RoundTripIsReadableBySha256sum) {
  const auto dir = scratch_dir();
  std::ofstream(dir / "a.json.gz", std::ios::binary) << "first file";
  std::ofstream(dir / "b.json.gz", std::ios::binary) << "second file";
  data::Sha256Manifest manifest;
  manifest.set("b.json.gz", data::sha256_file(dir / "b.json.gz"));
  manifest.set("a.json.gz", data::sha256_file(dir / "a.json.gz"));
  manifest.save(dir / data::kManifestName);
  EXPECT_FALSE(fs::exists(dir / "SHA256SUMS.tmp"));

  const auto loaded = data::Sha256Manifest::load(dir / data::kManifestName);
  EXPECT_EQ(loaded.entries(), manifest.entries());
  // coreutils agrees with every line.
  const auto check = run_program(
      {"/bin/sh", "-c", "cd '" + dir.string() + "' && sha256sum --strict -c SHA256SUMS"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("a.json.gz: OK"), std::string::npos) << check.out;
}

TEST(Sha256Manifest, ReadsBinaryMarkerAndSkipsBlankLines) {
  const auto path = scratch_dir() / data::kManifestName;
  std::ofstream(path) << "\n" << std::string(64, 'A') << " *x.gz\r\n";
  const auto manifest = data::Sha256Manifest::load(path);
  EXPECT_EQ(manifest.find("x.gz"), std::string(64, 'a'));
  EXPECT_FALSE(manifest.find("y.gz"));
}

TEST(Sha256Manifest, MissingManifestIsEmpty) {
  EXPECT_TRUE(data::Sha256Manifest::load(scratch_dir() / data::kManifestName).empty());
}

TEST(Sha256Manifest, MalformedLineIsAnErrorNamingFileAndLine) {
  const auto path = scratch_dir() / data::kManifestName;
  std::ofstream(path) << std::string(64, 'a') << "  ok.gz\n"
                      << "not a checksum  bad.gz\n";
  try {
    data::Sha256Manifest::load(path);
    FAIL() << "expected an error";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), path.string());
    EXPECT_EQ(e.line(), 2u);
  }
}

}  // namespace
}  // namespace reasonrec::test
