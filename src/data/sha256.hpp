#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "util/progress.hpp"

namespace reasonrec::data {

// Incremental SHA-256 (OpenSSL's implementation, which uses the CPU's SHA instructions).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }
  // The digest as 64 lowercase hex digits. The object cannot be updated afterwards.
  std::string hex_digest();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
  bool finished_ = false;
};

std::string sha256_hex(std::string_view bytes);

// Hashes a whole file, streaming; shows progress for large files unless `mode` is Silent.
std::string sha256_file(const std::filesystem::path& path,
                        ProgressMode mode = ProgressMode::Silent);

// True for exactly 64 hex digits (either case).
bool is_sha256_hex(std::string_view text);

// Lowercases a checksum given by a user or a table; throws UsageError naming `what` if it is
// not 64 hex digits.
std::string normalize_sha256(std::string_view text, std::string_view what);

}  // namespace reasonrec::data
