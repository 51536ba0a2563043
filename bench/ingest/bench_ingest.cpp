// Times reasonrec's ingest path on one review file: stream + decompress + parse + normalise +
// deduplicate + build every user's time-ordered history. Prints JSON.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "data/dataset.hpp"
#include "util/error.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bench_ingest REVIEWS_FILE\n";
    return 2;
  }
  try {
    const auto start = std::chrono::steady_clock::now();
    reasonrec::data::LoadOptions options;
    options.progress = reasonrec::ProgressMode::Silent;
    const auto dataset = reasonrec::data::load_dataset({argv[1]}, {}, options);
    const auto timelines = reasonrec::data::build_timelines(dataset.reviews);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"seconds\": %.3f, \"reviews\": %zu, \"users\": %zu}\n", seconds,
                dataset.reviews.size(), timelines.size());
  } catch (const reasonrec::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
