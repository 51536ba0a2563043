#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace reasonrec::test {

// ../shared beside the repository (CI lays it there), or $REASONREC_SHARED.
inline std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("REASONREC_SHARED")) return env;
  return std::filesystem::path(REASONREC_SOURCE_DIR).parent_path() / "shared";
}

inline std::filesystem::path shared_data(const std::string& relative) {
  return shared_dir() / "data" / relative;
}

// A fresh, empty scratch directory under the build tree, unique to the running test.
std::filesystem::path scratch_dir();

// A file's bytes ("" when it cannot be read: the caller's expectation then fails on it).
std::string read_text(const std::filesystem::path& path);

// Path of the reasonrec binary under test.
inline std::string reasonrec_bin() {
  if (const char* env = std::getenv("REASONREC_BIN")) return env;
  return std::string(REASONREC_BINARY_DIR) + "/src/cli/reasonrec";
}

}  // namespace reasonrec::test
