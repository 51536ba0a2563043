#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <vector>

namespace reasonrec::engine {

// The special-token ids a tokenizer.json "post_processor" wraps a single sequence in.
struct SpecialWrap {
  std::vector<std::int32_t> before;
  std::vector<std::int32_t> after;
};

// Empty for null, ByteLevel and processors that add nothing. Throws Error on unknown types.
SpecialWrap make_post_processor(const nlohmann::json& config);

}  // namespace reasonrec::engine
