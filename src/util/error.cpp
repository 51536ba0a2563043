#include "util/error.hpp"

#include <utility>

namespace reasonrec {

namespace {
std::string locate(const std::string& file, std::size_t line, const std::string& reason) {
  if (line == 0) return file + ": " + reason;
  return file + ":" + std::to_string(line) + ": " + reason;
}
}  // namespace

InputError::InputError(std::string file, std::size_t line, std::string reason)
    : Error(locate(file, line, reason)),
      file_(std::move(file)),
      line_(line),
      reason_(std::move(reason)) {}

}  // namespace reasonrec
