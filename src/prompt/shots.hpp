#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/example.hpp"
#include "prompt/builder.hpp"

namespace reasonrec::prompt {

// Picks k worked examples for `target` from `pool`: train-split examples of other users with
// a non-empty review, drawn uniformly without replacement by an Rng seeded from `seed` and
// the target's id. The same seed and target always give the same shots, whatever order the
// targets are processed in. Each shot's reason is reasons[id] when given, else the shot
// user's own review of the shot's target item (the only human-written justification of
// that rating we have). Throws Error when fewer than k examples are eligible.
std::vector<ShownExample> select_shots(const std::vector<data::Example>& pool,
                                       const data::Example& target, std::size_t k,
                                       std::uint64_t seed,
                                       const std::map<std::string, std::string>& reasons = {});

}  // namespace reasonrec::prompt
