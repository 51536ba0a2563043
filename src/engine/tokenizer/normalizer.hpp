#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace reasonrec::engine {

// A tokenizer.json "normalizer": rewrites text before pre-tokenization. Offsets are not
// tracked: the engine needs ids and decoded text, not alignments.
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual std::string normalize(std::string_view text) const = 0;
};

// nullptr for a JSON null. Throws Error on unknown types or bad fields.
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& config);

}  // namespace reasonrec::engine
