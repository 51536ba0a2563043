#include "data/bad_input.hpp"

namespace reasonrec::data {

void SkipCounts::add(const std::string& reason, const std::string& message) {
  ++counts_[reason];
  if (examples_.size() < kMaxExamples) examples_.push_back(message);
}

void SkipCounts::merge(const SkipCounts& other) {
  for (const auto& [reason, n] : other.counts_) counts_[reason] += n;
  for (const auto& m : other.examples_) {
    if (examples_.size() < kMaxExamples) examples_.push_back(m);
  }
}

std::uint64_t SkipCounts::total() const {
  std::uint64_t n = 0;
  for (const auto& [reason, count] : counts_) n += count;
  return n;
}

}  // namespace reasonrec::data
