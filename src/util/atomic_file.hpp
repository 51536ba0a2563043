#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string_view>

namespace reasonrec {

// Writes a file so that readers see either the old file or the complete new one: the bytes go
// to a temporary file beside the target, which commit() flushes, syncs and renames over it.
// Destroyed without commit() (an exception midway), the temporary file is removed.
class AtomicFile {
 public:
  // Throws Error naming the path when the temporary file cannot be created.
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::span<const std::byte> bytes);
  void write(std::string_view text);
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temporary_;
  std::FILE* file_ = nullptr;
};

// The whole of `content` as the new file at `path`, through AtomicFile.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace reasonrec
