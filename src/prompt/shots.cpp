#include "prompt/shots.hpp"

#include "util/error.hpp"
#include "util/random.hpp"

namespace reasonrec::prompt {

std::vector<ShownExample> select_shots(const std::vector<data::Example>& pool,
                                       const data::Example& target, std::size_t k,
                                       std::uint64_t seed,
                                       const std::map<std::string, std::string>& reasons) {
  if (k == 0) return {};
  std::vector<std::size_t> eligible;
  for (std::size_t i = 0; i < pool.size(); ++i) {
    const auto& e = pool[i];
    if (e.split == "train" && e.user != target.user && e.id != target.id && !e.review.empty()) {
      eligible.push_back(i);
    }
  }
  if (eligible.size() < k) {
    throw Error("k-shot: asked for " + std::to_string(k) + " worked examples but only " +
                std::to_string(eligible.size()) +
                " train examples of other users with a review are available");
  }
  Rng rng(derive_seed(seed, ("shots:" + target.id).c_str()));
  // Partial Fisher-Yates: the first k positions are a uniform draw without replacement.
  for (std::size_t i = 0; i < k; ++i) {
    std::swap(eligible[i], eligible[i + rng.below(eligible.size() - i)]);
  }
  std::vector<ShownExample> shots;
  for (std::size_t i = 0; i < k; ++i) {
    const auto& e = pool[eligible[i]];
    const auto found = reasons.find(e.id);
    shots.push_back(ShownExample{e, 0, found != reasons.end() ? found->second : e.review});
  }
  return shots;
}

}  // namespace reasonrec::prompt
