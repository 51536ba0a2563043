#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "data/byte_source.hpp"

namespace reasonrec::data {

// One line of a file (without its newline), with its 1-based number. `readable` is how many
// bytes may be read from text.data() on (at least text.size() + kLinePadding), which lets
// simdjson parse the line in place without copying it.
struct Line {
  std::string_view text;
  std::size_t number = 0;
  std::size_t readable = 0;
  // Non-zero when the line was longer than the reader's maximum: its length in bytes. Its text
  // is then empty (the bytes were read and dropped, never held).
  std::size_t oversized = 0;
};

inline constexpr std::size_t kLinePadding = 64;  // >= SIMDJSON_PADDING

// Streams the lines of a (possibly compressed) file. Decompression runs on a background
// thread, a few blocks ahead, so that parsing and inflating overlap; memory stays bounded
// (a few blocks of `block_size` bytes) whatever the file size.
class LineReader {
 public:
  // `max_line_bytes`: longer lines are delivered as Line::oversized markers.
  explicit LineReader(const std::string& path, std::size_t block_size = 8u << 20,
                      std::size_t max_line_bytes = std::size_t{64} << 20);
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Next line, or false at the end. Throws InputError (with the line number reached) when the
  // file turns out to be corrupt or truncated; the lines before that were all delivered.
  bool next(Line& line);

  const std::string& path() const { return path_; }
  Compression compression() const { return compression_; }
  std::uint64_t bytes_read() const { return bytes_; }

 private:
  struct Block {
    std::vector<char> data;  // complete lines, then kLinePadding spare bytes
    std::size_t size = 0;
    std::exception_ptr error;   // set on the last block when reading failed
    std::size_t oversized = 0;  // a marker block standing for one dropped line of this length
  };

  void produce();
  bool take_block();
  // Reads and drops the rest of an over-long line; returns its remaining length and leaves the
  // bytes after its newline in `carry`. `done` is set at the end of the stream.
  std::size_t drop_rest_of_line(std::vector<char>& carry, bool& done);
  bool push(Block block, bool done);

  std::string path_;
  std::size_t block_size_;
  std::size_t max_line_bytes_;
  Compression compression_ = Compression::None;
  std::unique_ptr<ByteSource> source_;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Block> queue_;
  bool producer_done_ = false;
  bool stopping_ = false;
  std::thread producer_;

  Block current_;
  std::size_t pos_ = 0;
  std::size_t line_number_ = 0;
  std::uint64_t bytes_ = 0;
  bool finished_ = false;
};

}  // namespace reasonrec::data
