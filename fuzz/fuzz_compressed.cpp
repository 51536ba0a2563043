// Arbitrary bytes as a (maybe gzip / zstd) file: detection, inflation and line splitting.
#include "data/line_reader.hpp"
#include "data/source_format.hpp"
#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reasonrec;
  const std::string path = fuzz::write_input(data, size);
  if (path.empty()) return 0;
  try {
    data::LineReader reader(path, 256);
    data::Line line;
    while (reader.next(line)) {
    }
  } catch (const InputError&) {
  }
  try {
    data::detect_format(path);
  } catch (const InputError&) {
  }
  return 0;
}
