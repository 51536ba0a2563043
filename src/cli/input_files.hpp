#pragma once

#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>

#include "util/error.hpp"

namespace reasonrec::cli {

// A missing or unreadable input is bad input (exit 1), not a usage error (exit 2): the message
// names the file and, where known, the option that gave it.
inline void require_input_file(const std::string& path, const std::string& option = "") {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) return;
  const std::string where = option.empty() ? "" : " (" + option + ")";
  throw InputError(
      path, 0, (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file") + where);
}

inline void require_input_directory(const std::string& path, const std::string& option = "") {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return;
  const std::string where = option.empty() ? "" : " (" + option + ")";
  throw InputError(
      path, 0,
      (std::filesystem::exists(path, ec) ? "not a directory" : "no such directory") + where);
}

// Option checks with the same exit code as the commands' own input errors: CLI11 passes
// exceptions other than its own out of parse(), so these reach main as InputError (exit 1).
inline const CLI::Validator& InputFile() {
  static const CLI::Validator validator(
      [](std::string& path) {
        require_input_file(path);
        return std::string();
      },
      "FILE", "InputFile");
  return validator;
}

inline const CLI::Validator& InputDirectory() {
  static const CLI::Validator validator(
      [](std::string& path) {
        require_input_directory(path);
        return std::string();
      },
      "DIR", "InputDirectory");
  return validator;
}

}  // namespace reasonrec::cli
