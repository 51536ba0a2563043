#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reasonrec;
  fuzz::read_both_ways(data, size, [](const std::string& path, const data::BadInputPolicy& policy) {
    data::read_meta(path, data::SourceFormat::MetaRecBoleItems, policy, [](data::RawMeta&& m) {
      data::NormalizeStats s;
      data::normalize_meta(m, s);
    });
  });
  return 0;
}
