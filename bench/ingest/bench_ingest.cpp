// Times reasonrec's ingest path on one review file: stream + decompress + parse + normalise +
// deduplicate + build every user's time-ordered history. Prints JSON: seconds (wall-clock, from
// opening the file to the histories built), cpu_seconds (the process's user + system time over
// the same span, every thread), reviews, users. bench/ingest/baseline.py prints the same fields
// for the same span of the Python baseline, so both sides are measured alike.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "data/dataset.hpp"
#include "util/error.hpp"

namespace {

double cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto s = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: bench_ingest REVIEWS_FILE\n";
    return 2;
  }
  try {
    const double cpu_start = cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    reasonrec::data::LoadOptions options;
    options.progress = reasonrec::ProgressMode::Silent;
    const auto dataset = reasonrec::data::load_dataset({argv[1]}, {}, options);
    const auto timelines = reasonrec::data::build_timelines(dataset.reviews);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_start;
    std::printf("{\"seconds\": %.4f, \"cpu_seconds\": %.4f, \"reviews\": %zu, \"users\": %zu}\n",
                seconds, cpu, dataset.reviews.size(), timelines.size());
    std::fflush(stdout);
  } catch (const reasonrec::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
