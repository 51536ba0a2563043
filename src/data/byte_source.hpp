#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "util/error.hpp"

namespace reasonrec::data {

// The compressed stream itself is damaged (truncated, corrupt) or unreadable: nothing after
// this point of the file can be read.
class StreamError : public InputError {
 public:
  using InputError::InputError;
};

enum class Compression { None, Gzip, Zstd };

const char* compression_name(Compression c);

// A file's decompressed bytes, read sequentially. The compression is detected from the first
// bytes (gzip 1f 8b, zstd 28 b5 2f fd), not from the name. Gzip files may hold several
// members (concatenated .gz files read as one stream). Corrupt or truncated compressed data
// throws InputError naming the file.
class ByteSource {
 public:
  explicit ByteSource(const std::string& path);
  ~ByteSource();
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  // Reads up to `capacity` bytes; returns 0 only at the end of the data.
  std::size_t read(char* buffer, std::size_t capacity);

  Compression compression() const { return compression_; }
  const std::string& path() const { return path_; }
  // Compressed bytes consumed so far (for progress over the file size).
  std::uint64_t compressed_offset() const;

 private:
  std::size_t read_some(char* buffer, std::size_t capacity);

  struct Impl;
  std::string path_;
  Compression compression_ = Compression::None;
  std::unique_ptr<Impl> impl_;
};

}  // namespace reasonrec::data
