#pragma once

// The output of `recsaver verify` (docs/recsaver.md), as the `verified` filter reads it: one
// line per teacher prediction, keyed by (example id, sample).

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>

namespace reasonrec::train {

struct VerificationRecord {
  std::optional<int> rating;  // the teacher prediction's own rating, as verify copied it
  int true_rating = 0;
  std::string status;     // verified, rejected, unparsed, verify_failed, empty_reasoning, ...
  bool verified = false;  // the verification read the true rating back (within verify's
                          // --tolerance, 0 by default)
  std::size_t line = 0;   // where it is in the file, for error messages
};

using SampleKey = std::pair<std::string, int>;  // (example id, sample)

struct VerificationTable {
  std::filesystem::path file;
  std::map<SampleKey, VerificationRecord> records;
};

// Reads V. Throws InputError naming the file and line for a line without the fields above
// (or of the wrong type) and for a second line with the same (example id, sample).
VerificationTable read_verification(const std::filesystem::path& path);

}  // namespace reasonrec::train
