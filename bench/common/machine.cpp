#include "machine.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include <time.h>

namespace reasonrec::bench {

std::string run_capture(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("cannot run: " + command);
  std::string out;
  char buffer[65536];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe.get())) > 0) out.append(buffer, got);
  if (::pclose(pipe.release()) != 0) throw std::runtime_error("command failed: " + command);
  return out;
}

double thread_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

double load_average() {
  double loads[1] = {0.0};
  return ::getloadavg(loads, 1) == 1 ? loads[0] : -1.0;
}

std::string shared_dir(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("REASONREC_SHARED")) return env;
  return (std::filesystem::path(REASONREC_SOURCE_DIR).parent_path() / "shared").string();
}

}  // namespace reasonrec::bench
