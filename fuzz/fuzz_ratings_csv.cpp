#include "fuzz_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace reasonrec;
  fuzz::read_both_ways(data, size, [](const std::string& path, const data::BadInputPolicy& policy) {
    data::read_reviews(path, data::SourceFormat::RatingsCsv, policy, [](data::Review&&) {});
  });
  return 0;
}
