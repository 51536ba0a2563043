#include "eval/rating_pairing.hpp"

#include <unordered_map>

#include "util/error.hpp"

namespace reasonrec::eval {

namespace {

std::unordered_map<std::string, const Prediction*> index_by_example(
    const std::vector<Prediction>& predictions, const char* side) {
  std::unordered_map<std::string, const Prediction*> index;
  for (const auto& p : predictions) {
    if (!index.emplace(p.example_id, &p).second) {
      throw Error(std::string("paired comparison: ") + side + " has several predictions for '" +
                  p.example_id + "' (keep one sample per example, e.g. with --sample)");
    }
  }
  return index;
}

}  // namespace

PairedRows pair_by_example(const std::vector<Prediction>& a, const std::vector<Prediction>& b,
                           const UnparsedPolicy& policy, PointSource point) {
  const auto index_a = index_by_example(a, "the first file");
  const auto index_b = index_by_example(b, "the second file");
  PairedRows paired;
  for (const auto& pa : a) {
    const auto it = index_b.find(pa.example_id);
    if (it == index_b.end()) {
      ++paired.only_in_a;
      continue;
    }
    const Prediction& pb = *it->second;
    if (pa.true_rating != pb.true_rating) {
      throw Error("paired comparison: example '" + pa.example_id + "' has true rating " +
                  std::to_string(pa.true_rating) + " in one file and " +
                  std::to_string(pb.true_rating) + " in the other");
    }
    auto row_a = score_row(pa, policy, point);
    auto row_b = score_row(pb, policy, point);
    if (!row_a || !row_b) {
      ++paired.excluded_unparsed;
      continue;
    }
    paired.a.push_back(std::move(*row_a));
    paired.b.push_back(std::move(*row_b));
    paired.example_ids.push_back(pa.example_id);
  }
  for (const auto& pb : b) {
    if (!index_a.contains(pb.example_id)) ++paired.only_in_b;
  }
  return paired;
}

}  // namespace reasonrec::eval
