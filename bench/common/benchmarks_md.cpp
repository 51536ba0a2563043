#include "benchmarks_md.hpp"

#include <ctime>
#include <fstream>
#include <sstream>

namespace reasonrec::bench {

void record_section(const std::string& path, const std::string& name, const std::string& section) {
  const std::string begin = "<!-- bench/" + name + ":begin -->";
  const std::string end = "<!-- bench/" + name + ":end -->";
  std::string text;
  if (std::ifstream in(path); in) {
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  } else {
    text =
        "# Benchmarks\n\nEach section is written by the benchmark program it names; ratios are "
        "against a baseline measured in the same run on the same machine.\n";
  }
  const std::string block = begin + "\n" + section + end;
  const auto b = text.find(begin);
  const auto e = text.find(end);
  if (b != std::string::npos && e != std::string::npos && e > b) {
    text.replace(b, e + end.size() - b, block);
  } else {
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += "\n" + block + "\n";
  }
  std::ofstream(path) << text;
}

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d", std::gmtime(&now));
  return text;
}

}  // namespace reasonrec::bench
