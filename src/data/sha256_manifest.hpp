#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace reasonrec::data {

// A SHA256SUMS file in the format of coreutils' sha256sum ("<hex>  <name>" per line), so
// `sha256sum -c SHA256SUMS` checks the same files. Records the checksum of every file fetched
// into a directory, so that later runs can tell whether a file changed since it was fetched.
class Sha256Manifest {
 public:
  // A missing file gives an empty manifest; a malformed line throws InputError(file, line).
  static Sha256Manifest load(const std::filesystem::path& file);

  std::optional<std::string> find(const std::string& name) const;
  void set(const std::string& name, const std::string& sha256_hex);
  bool empty() const { return entries_.empty(); }
  const std::map<std::string, std::string>& entries() const { return entries_; }

  // Writes sorted by name, through a temporary file and a rename so a crash never leaves a
  // half-written manifest.
  void save(const std::filesystem::path& file) const;

 private:
  std::map<std::string, std::string> entries_;
};

// The manifest's file name inside an output directory.
inline constexpr const char* kManifestName = "SHA256SUMS";

}  // namespace reasonrec::data
