#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace reasonrec::engine {

// A whole file mapped into memory, unmapped on destruction.
//
// The mapping is private and copy-on-write (MAP_PRIVATE, readable and writable): tensors made
// from it without copying may then be modified in place (an optimiser step on loaded weights)
// without a crash and without ever changing the file. Pages are shared with the page cache
// until written. As with any mapping, truncating the file while it is mapped ends the process
// with SIGBUS; model files are not expected to change under a running engine.
class MappedFile {
 public:
  // Throws InputError naming the path when it cannot be opened, is not a regular file or
  // cannot be mapped. An empty file gives an empty mapping.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }

 private:
  std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace reasonrec::engine
