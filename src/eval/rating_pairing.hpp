#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "eval/prediction.hpp"
#include "eval/rating_metrics.hpp"
#include "eval/rating_policy.hpp"

namespace reasonrec::eval {

// Two prediction files matched example by example, ready for a paired test.
struct PairedRows {
  std::vector<ScoredRow> a;  // a[i] and b[i] score the same example
  std::vector<ScoredRow> b;
  std::vector<std::string> example_ids;
  std::size_t only_in_a = 0;  // examples present in one file only (left out)
  std::size_t only_in_b = 0;
  std::size_t excluded_unparsed = 0;  // pairs left out because either side was unparsed
};

// Matches predictions by example id, in the order of `a`. Each file must hold at most one
// prediction per example (filter by sample index first), and matched predictions must agree on
// the true rating; both are reported as Error naming the example. Under the exclude policy a pair
// is dropped when either side is unparsed, so both methods are scored on the same examples.
PairedRows pair_by_example(const std::vector<Prediction>& a, const std::vector<Prediction>& b,
                           const UnparsedPolicy& policy, PointSource point);

}  // namespace reasonrec::eval
