#include "data/byte_source.hpp"

#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "util/error.hpp"

namespace reasonrec::data {

const char* compression_name(Compression c) {
  switch (c) {
    case Compression::None:
      return "plain";
    case Compression::Gzip:
      return "gzip";
    case Compression::Zstd:
      return "zstd";
  }
  return "?";
}

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

struct ZstdFree {
  void operator()(ZSTD_DStream* s) const { ZSTD_freeDStream(s); }
};

}  // namespace

// Gzip is decoded with inflate() directly (not gzread) so that truncation is reported
// precisely and multi-member files are handled explicitly.
struct ByteSource::Impl {
  FilePtr file;
  std::vector<unsigned char> in;
  std::size_t in_pos = 0;
  std::size_t in_len = 0;
  std::uint64_t consumed = 0;
  bool eof = false;
  // A stream error found after some bytes were produced in the same call: those bytes are
  // returned first, and the error is thrown by the next call.
  std::string pending_error;
  std::size_t partial = 0;  // bytes written by the current read_some call so far

  // gzip
  z_stream z{};
  bool z_ready = false;
  bool z_member_done = false;
  // zstd
  std::unique_ptr<ZSTD_DStream, ZstdFree> zstd;
  std::size_t zstd_hint = 1;  // 0 when the last frame ended cleanly

  ~Impl() {
    if (z_ready) inflateEnd(&z);
  }

  bool fill(const std::string& path) {
    if (in_pos < in_len) return true;
    if (eof) return false;
    in_len = std::fread(in.data(), 1, in.size(), file.get());
    in_pos = 0;
    if (in_len == 0) {
      if (std::ferror(file.get())) {
        throw StreamError(path, 0, std::string("read failed: ") + std::strerror(errno));
      }
      eof = true;
      return false;
    }
    return true;
  }
};

ByteSource::ByteSource(const std::string& path) : path_(path), impl_(std::make_unique<Impl>()) {
  impl_->file.reset(std::fopen(path.c_str(), "rb"));
  if (!impl_->file) {
    throw InputError(path, 0, std::string("cannot open: ") + std::strerror(errno));
  }
  impl_->in.resize(1 << 20);
  impl_->fill(path);
  const unsigned char* p = impl_->in.data();
  if (impl_->in_len >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
    compression_ = Compression::Gzip;
    if (inflateInit2(&impl_->z, 15 + 16) != Z_OK) throw Error("zlib: inflateInit2 failed");
    impl_->z_ready = true;
  } else if (impl_->in_len >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd) {
    compression_ = Compression::Zstd;
    impl_->zstd.reset(ZSTD_createDStream());
    if (!impl_->zstd) throw Error("zstd: cannot create a decompression stream");
  }
}

ByteSource::~ByteSource() = default;

std::uint64_t ByteSource::compressed_offset() const {
  return impl_->consumed + impl_->in_pos;
}

std::size_t ByteSource::read(char* buffer, std::size_t capacity) {
  Impl& s = *impl_;
  if (!s.pending_error.empty()) throw StreamError(path_, 0, s.pending_error);
  std::size_t produced_total = 0;
  try {
    produced_total = read_some(buffer, capacity);
  } catch (const StreamError& e) {
    // read_some reports how much it wrote through partial_; keep those bytes.
    if (s.partial == 0) throw;
    s.pending_error = e.reason();
    produced_total = s.partial;
  }
  s.partial = 0;
  return produced_total;
}

std::size_t ByteSource::read_some(char* buffer, std::size_t capacity) {
  Impl& s = *impl_;
  if (compression_ == Compression::None) {
    std::size_t total = 0;
    while (total < capacity) {
      if (!s.fill(path_)) break;
      const std::size_t n = std::min(capacity - total, s.in_len - s.in_pos);
      std::memcpy(buffer + total, s.in.data() + s.in_pos, n);
      s.in_pos += n;
      total += n;
      if (s.in_pos == s.in_len) s.consumed += s.in_len;
    }
    return total;
  }

  if (compression_ == Compression::Gzip) {
    std::size_t total = 0;
    while (total < capacity) {
      if (s.in_pos == s.in_len) {
        s.consumed += s.in_len;
        if (!s.fill(path_)) {
          if (!s.z_member_done) {
            throw StreamError(path_, 0, "truncated gzip data (unexpected end of file)");
          }
          break;
        }
      }
      if (s.z_member_done) {
        // Another member follows (multi-member gzip), unless only padding zeros remain.
        if (s.in[s.in_pos] == 0) {
          ++s.in_pos;
          continue;
        }
        inflateReset(&s.z);
        s.z_member_done = false;
      }
      s.z.next_in = s.in.data() + s.in_pos;
      s.z.avail_in = static_cast<uInt>(s.in_len - s.in_pos);
      s.z.next_out = reinterpret_cast<Bytef*>(buffer + total);
      s.z.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity - total, 1u << 30));
      const int rc = inflate(&s.z, Z_NO_FLUSH);
      const std::size_t produced =
          std::min<std::size_t>(capacity - total, 1u << 30) - s.z.avail_out;
      total += produced;
      s.partial = total;
      s.in_pos = s.in_len - s.z.avail_in;
      if (rc == Z_STREAM_END) {
        s.z_member_done = true;
      } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced == 0 && s.in_pos == s.in_len)) {
        const char* msg = s.z.msg != nullptr ? s.z.msg : "corrupt data";
        throw StreamError(path_, 0, std::string("corrupt gzip data: ") + msg);
      }
    }
    return total;
  }

  // zstd
  std::size_t total = 0;
  while (total < capacity) {
    if (s.in_pos == s.in_len) {
      s.consumed += s.in_len;
      if (!s.fill(path_)) {
        if (s.zstd_hint != 0) {
          throw StreamError(path_, 0, "truncated zstd data (unexpected end of file)");
        }
        break;
      }
    }
    ZSTD_inBuffer input{s.in.data(), s.in_len, s.in_pos};
    ZSTD_outBuffer output{buffer + total, capacity - total, 0};
    s.zstd_hint = ZSTD_decompressStream(s.zstd.get(), &output, &input);
    if (ZSTD_isError(s.zstd_hint)) {
      throw StreamError(path_, 0,
                        std::string("corrupt zstd data: ") + ZSTD_getErrorName(s.zstd_hint));
    }
    s.in_pos = input.pos;
    total += output.pos;
    s.partial = total;
  }
  return total;
}

}  // namespace reasonrec::data
