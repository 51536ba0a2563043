#include "util/atomic_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

#include "util/error.hpp"

namespace reasonrec {

namespace {
std::string failure(const std::filesystem::path& path, std::string_view what) {
  return path.string() + ": cannot " + std::string(what) + ": " + std::strerror(errno);
}
}  // namespace

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  // The pid keeps concurrent writers of the same target from sharing a temporary file.
  temporary_ = target_;
  temporary_ += ".tmp." + std::to_string(::getpid());
  file_ = std::fopen(temporary_.c_str(), "wb");
  if (file_ == nullptr) throw Error(failure(temporary_, "create"));
}

AtomicFile::~AtomicFile() {
  if (file_ != nullptr) {
    std::fclose(file_);
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
  }
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  if (file_ == nullptr) throw Error(target_.string() + ": write after commit");
  if (bytes.empty()) return;
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size()) {
    throw Error(failure(temporary_, "write"));
  }
}

void AtomicFile::write(std::string_view text) {
  write(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

void AtomicFile::commit() {
  if (file_ == nullptr) throw Error(target_.string() + ": committed twice");
  const bool flushed = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  const int flush_errno = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    errno = flushed ? errno : flush_errno;
    const std::string message = failure(temporary_, "write");
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
    throw Error(message);
  }
  if (std::rename(temporary_.c_str(), target_.c_str()) != 0) {
    const std::string message = failure(target_, "replace");
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
    throw Error(message);
  }
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  AtomicFile file(path);
  file.write(content);
  file.commit();
}

}  // namespace reasonrec
