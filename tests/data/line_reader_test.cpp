#include <sys/resource.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "data/byte_source.hpp"
#include "data/line_reader.hpp"
#include "support/paths.hpp"

namespace reasonrec::data {
using reasonrec::InputError;
using reasonrec::UsageError;
namespace {

std::string gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(const std::string& text) {
  std::string out(ZSTD_compressBound(text.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), text.data(), text.size(), 3));
  return out;
}

std::string write(const std::filesystem::path& dir, const std::string& name,
                  const std::string& bytes) {
  const auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::vector<std::pair<std::size_t, std::string>> read_all(const std::string& path,
                                                          std::size_t block = 8u << 20) {
  LineReader reader(path, block);
  std::vector<std::pair<std::size_t, std::string>> lines;
  Line line;
  while (reader.next(line)) {
    EXPECT_GE(line.readable, line.text.size() + kLinePadding);
    lines.emplace_back(line.number, std::string(line.text));
  }
  return lines;
}

TEST(LineReader, DetectsCompressionFromContentNotName) {
  const auto dir = test::scratch_dir();
  const std::string text = "a\nbb\nccc\n";
  EXPECT_EQ(ByteSource(write(dir, "plain.gz", text)).compression(), Compression::None);
  EXPECT_EQ(ByteSource(write(dir, "g.txt", gzip(text))).compression(), Compression::Gzip);
  EXPECT_EQ(ByteSource(write(dir, "z.json", zstd(text))).compression(), Compression::Zstd);
  for (const char* name : {"plain.gz", "g.txt", "z.json"}) {
    const auto lines = read_all((dir / name).string());
    ASSERT_EQ(lines.size(), 3u) << name;
    EXPECT_EQ(lines[2].second, "ccc");
    EXPECT_EQ(lines[2].first, 3u);
  }
}

TEST(LineReader, MultiMemberGzipReadsAsOneStream) {
  const auto dir = test::scratch_dir();
  const auto path = write(dir, "multi.gz", gzip("one\ntwo\n") + gzip("three\n") + gzip("four"));
  const auto lines = read_all(path);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[3].second, "four");
}

TEST(LineReader, LinesSpanningBlocksAndCrLf) {
  const auto dir = test::scratch_dir();
  std::string text;
  for (int i = 0; i < 500; ++i)
    text += std::string(static_cast<std::size_t>(i % 37), 'x') + std::to_string(i) + "\r\n";
  text += std::string(5000, 'y');  // longer than a block, no final newline
  const auto lines = read_all(write(dir, "blocks.txt", text), 64);
  ASSERT_EQ(lines.size(), 501u);
  EXPECT_EQ(lines[499].second, std::string(499 % 37, 'x') + "499");
  EXPECT_EQ(lines[500].second, std::string(5000, 'y'));
}

TEST(LineReader, LinesOverTheMaximumBecomeMarkers) {
  const auto dir = test::scratch_dir();
  const std::string text = "a\n" + std::string(5000, 'z') + "\nb\n" + std::string(900, 'm') + "\n" +
                           std::string(3000, 'q');  // the last one unterminated
  for (const std::size_t block : {std::size_t{64}, std::size_t{1} << 20}) {
    LineReader reader(write(dir, "long.txt", text), block, 1000);
    std::vector<std::pair<std::string, std::size_t>> got;
    Line line;
    while (reader.next(line)) got.emplace_back(std::string(line.text), line.oversized);
    ASSERT_EQ(got.size(), 5u) << block;
    EXPECT_EQ(got[0], std::make_pair(std::string("a"), std::size_t{0}));
    EXPECT_EQ(got[1], std::make_pair(std::string(), std::size_t{5000})) << block;
    EXPECT_EQ(got[2], std::make_pair(std::string("b"), std::size_t{0}));
    EXPECT_EQ(got[3], std::make_pair(std::string(900, 'm'), std::size_t{0}));
    EXPECT_EQ(got[4], std::make_pair(std::string(), std::size_t{3000})) << block;
  }
}

// A gzip bomb: 192 MiB of one line compress to a few hundred KB. The reader must not hold it.
TEST(LineReader, OneHugeCompressedLineIsNotHeldInMemory) {
  const auto path = (test::scratch_dir() / "bomb.json.gz").string();
  {
    gzFile f = gzopen(path.c_str(), "wb9");
    const std::string chunk(1u << 20, 'x');
    gzwrite(f, "{\"a\": 1}\n", 9);
    for (int i = 0; i < 192; ++i) gzwrite(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    gzwrite(f, "\n{\"b\": 2}\n", 10);
    gzclose(f);
  }
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  LineReader reader(path, 1u << 20, 16u << 20);
  std::vector<std::size_t> oversized;
  Line line;
  while (reader.next(line)) oversized.push_back(line.oversized);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_EQ(oversized, (std::vector<std::size_t>{0, std::size_t{192} << 20, 0}));
  // Peak resident memory grew by far less than the line (ru_maxrss is in KiB).
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024);
}

TEST(LineReader, TruncatedGzipNamesFileAndLine) {
  const auto dir = test::scratch_dir();
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "{\"n\": " + std::to_string(i) + "}\n";
  std::string gz = gzip(text);
  const auto path = write(dir, "cut.json.gz", gz.substr(0, gz.size() / 2));
  LineReader reader(path, 4096);
  Line line;
  std::size_t count = 0;
  try {
    while (reader.next(line)) ++count;
    FAIL() << "expected a StreamError";
  } catch (const StreamError& e) {
    EXPECT_NE(
        std::string(e.what()).find("cut.json.gz:" + std::to_string(count + 1) + ": truncated gzip"),
        std::string::npos)
        << e.what();
  }
  EXPECT_GT(count, 1000u);
}

TEST(LineReader, CorruptZstdIsAnError) {
  const auto dir = test::scratch_dir();
  std::string z = zstd(std::string(100000, 'q') + "\n");
  z[z.size() / 2] ^= 0x55;
  z.resize(z.size() - 3);
  EXPECT_THROW(read_all(write(dir, "bad.zst", z)), StreamError);
}

TEST(LineReader, MissingFileIsInputError) {
  EXPECT_THROW(LineReader("/nonexistent/file.json"), InputError);
}

}  // namespace
}  // namespace reasonrec::data
