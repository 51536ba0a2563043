#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace reasonrec {

// An error the user can act on. The CLI prints what() to stderr and exits with 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The command line itself is wrong. The CLI exits with 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// Bad input data, located as precisely as we can: what() reads "file:line: reason"
// (or "file: reason" when line is 0, i.e. the problem concerns the whole file).
class InputError : public Error {
 public:
  InputError(std::string file, std::size_t line, std::string reason);

  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string reason_;
};

}  // namespace reasonrec
