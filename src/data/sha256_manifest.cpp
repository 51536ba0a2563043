#include "data/sha256_manifest.hpp"

#include <fstream>

#include "data/sha256.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::data {

Sha256Manifest Sha256Manifest::load(const std::filesystem::path& file) {
  Sha256Manifest manifest;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    if (std::filesystem::exists(file)) throw InputError(file.string(), 0, "cannot read");
    return manifest;
  }
  std::string line;
  std::size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    // "<64 hex><space><space or '*'><name>": the second character is sha256sum's mode marker.
    if (line.size() < 67 || !is_sha256_hex(std::string_view(line).substr(0, 64)) ||
        line[64] != ' ' || (line[65] != ' ' && line[65] != '*')) {
      throw InputError(file.string(), number,
                       "expected '<64 hex digits>  <file name>' as written by sha256sum");
    }
    manifest.set(line.substr(66), normalize_sha256(line.substr(0, 64), file.string()));
  }
  return manifest;
}

std::optional<std::string> Sha256Manifest::find(const std::string& name) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void Sha256Manifest::set(const std::string& name, const std::string& sha256_hex) {
  entries_[name] = sha256_hex;
}

void Sha256Manifest::save(const std::filesystem::path& file) const {
  std::string text;
  for (const auto& [name, hex] : entries_) text += hex + "  " + name + '\n';
  write_file_atomically(file, text);
}

}  // namespace reasonrec::data
