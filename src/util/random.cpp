#include "util/random.hpp"

namespace reasonrec {

std::uint64_t derive_seed(std::uint64_t seed, const char* stream) {
  // FNV-1a over the stream name, mixed with the seed through one SplitMix64 step.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char* p = stream; *p != '\0'; ++p) {
    h ^= static_cast<unsigned char>(*p);
    h *= 0x100000001b3ULL;
  }
  Rng mix(seed ^ h);
  return mix.next();
}

}  // namespace reasonrec
