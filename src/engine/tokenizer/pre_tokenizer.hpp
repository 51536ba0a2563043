#pragma once

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace reasonrec::engine {

// A tokenizer.json "pre_tokenizer": cuts normalized text into the words the model sees.
class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Appends the pieces of `text` to `out`. `at_start`: the text begins the whole input
  // (Metaspace's prepend_scheme "first" adds its prefix only there).
  virtual void split(std::string_view text, bool at_start, std::vector<std::string>& out) const = 0;
};

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& config);

}  // namespace reasonrec::engine
