#include "util/jsonl.hpp"

#include <fstream>

#include "util/error.hpp"

namespace reasonrec {

void for_each_jsonl(const std::string& path,
                    const std::function<void(const nlohmann::json&, std::size_t)>& on_line) {
  std::ifstream in(path);
  if (!in) throw InputError(path, 0, "cannot open file");
  std::string text;
  std::size_t line = 0;
  while (std::getline(in, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& err) {
      throw InputError(path, line, std::string("malformed JSON: ") + err.what());
    }
    on_line(value, line);
  }
}

}  // namespace reasonrec
