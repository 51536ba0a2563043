#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "data/readers.hpp"
#include "util/error.hpp"

namespace reasonrec::fuzz {

// The readers take paths, so each input goes through a scratch file (one per process).
inline std::string write_input(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/reasonrec-fuzz-" + std::to_string(getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return {};
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

// Runs one reader over the input in both policies: it may throw InputError (stop mode), and
// must never crash, hang or throw anything else.
template <typename Read>
void read_both_ways(const std::uint8_t* data, std::size_t size, Read&& read) {
  const std::string path = write_input(data, size);
  if (path.empty()) return;
  for (bool skip : {false, true}) {
    try {
      read(path, data::BadInputPolicy{skip});
    } catch (const InputError&) {
    }
  }
}

}  // namespace reasonrec::fuzz
