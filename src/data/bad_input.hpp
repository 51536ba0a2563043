#pragma once

#include <cstddef>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace reasonrec::data {

// What to do with a bad record: stop with "file:line: what is wrong" (the default), or skip it
// and count it by reason (--skip-bad).
struct BadInputPolicy {
  bool skip = false;
  // A record (line) longer than this is refused, or skipped and counted under skip, without being
  // held in memory: a single-line gzip bomb cannot exhaust memory.
  std::size_t max_record_bytes = std::size_t{64} << 20;
};

// Skipped records by reason, with the first few messages kept as examples.
class SkipCounts {
 public:
  void add(const std::string& reason, const std::string& message);
  void merge(const SkipCounts& other);

  std::uint64_t total() const;
  const std::map<std::string, std::uint64_t>& by_reason() const { return counts_; }
  const std::vector<std::string>& examples() const { return examples_; }

 private:
  static constexpr std::size_t kMaxExamples = 5;
  std::map<std::string, std::uint64_t> counts_;
  std::vector<std::string> examples_;
};

}  // namespace reasonrec::data
