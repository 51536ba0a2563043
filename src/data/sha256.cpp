#include "data/sha256.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "util/error.hpp"

namespace reasonrec::data {

struct Sha256::Context {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Context() { EVP_MD_CTX_free(ctx); }
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  if (context_->ctx == nullptr || EVP_DigestInit_ex(context_->ctx, EVP_sha256(), nullptr) != 1) {
    throw Error("sha256: cannot initialise OpenSSL digest");
  }
}

Sha256::~Sha256() = default;

void Sha256::update(const void* data, std::size_t size) {
  if (finished_) throw Error("sha256: update after hex_digest");
  if (size == 0) return;
  if (EVP_DigestUpdate(context_->ctx, data, size) != 1) throw Error("sha256: digest update failed");
}

std::string Sha256::hex_digest() {
  if (finished_) throw Error("sha256: hex_digest called twice");
  finished_ = true;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_->ctx, digest.data(), &length) != 1 || length != 32) {
    throw Error("sha256: digest finalisation failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0x0f]);
  }
  return hex;
}

std::string sha256_hex(std::string_view bytes) {
  Sha256 hash;
  hash.update(bytes);
  return hash.hex_digest();
}

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string sha256_file(const std::filesystem::path& path, ProgressMode mode) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file)
    throw InputError(path.string(), 0, std::string("cannot open: ") + std::strerror(errno));
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  // Below 256 MiB hashing takes well under a second: no progress line worth printing.
  constexpr std::uintmax_t kProgressThreshold = 256u << 20;
  if (ec || size < kProgressThreshold) mode = ProgressMode::Silent;
  Progress progress(ProgressOptions{"sha256 " + path.filename().string(),
                                    ec ? std::nullopt : std::optional<std::uint64_t>(size), "bytes",
                                    mode, std::chrono::milliseconds(10000)});
  Sha256 hash;
  std::vector<char> buffer(1u << 20);
  while (true) {
    const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (n > 0) {
      hash.update(buffer.data(), n);
      progress.add(n);
    }
    if (n < buffer.size()) {
      if (std::ferror(file.get())) {
        throw InputError(path.string(), 0, std::string("read error: ") + std::strerror(errno));
      }
      break;
    }
  }
  progress.finish();
  return hash.hex_digest();
}

bool is_sha256_hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (std::isxdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

std::string normalize_sha256(std::string_view text, std::string_view what) {
  if (!is_sha256_hex(text)) {
    throw UsageError(std::string(what) + ": expected a SHA-256 checksum of 64 hex digits, got '" +
                     std::string(text) + "'");
  }
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

}  // namespace reasonrec::data
