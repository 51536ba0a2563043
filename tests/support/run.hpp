#pragma once

#include <string>
#include <vector>

namespace reasonrec::test {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs a program with arguments (no shell), capturing stdout and stderr.
RunResult run_program(const std::vector<std::string>& argv, const std::string& stdin_text = "");

// Runs the reasonrec binary under test with these arguments.
RunResult run_reasonrec(const std::vector<std::string>& args);

// Runs /usr/bin/python3 (Debian's, which sees python3-nltk, -sklearn, -pandas) on a script.
RunResult run_python(const std::string& script, const std::vector<std::string>& args = {});

}  // namespace reasonrec::test
