#pragma once

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reasonrec::engine {

// Token string <-> id table of a model. Ids may be sparse; a missing id maps to "".
class Vocab {
 public:
  void add(std::string token, std::int32_t id);  // throws Error on a negative or duplicate id
  std::optional<std::int32_t> find(std::string_view token) const;
  const std::string* token(std::int32_t id) const;  // nullptr when unknown
  std::int32_t size() const { return static_cast<std::int32_t>(tokens_.size()); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::int32_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> tokens_;
  std::vector<bool> present_;
};

// A tokenizer.json "model": turns one pre-tokenized word into ids.
class Model {
 public:
  virtual ~Model() = default;
  virtual void tokenize(std::string_view word, std::vector<std::int32_t>& out) const = 0;
  virtual const Vocab& vocab() const = 0;
};

std::unique_ptr<Model> make_model(const nlohmann::json& config);
std::unique_ptr<Model> make_bpe_model(const nlohmann::json& config);
std::unique_ptr<Model> make_wordpiece_model(const nlohmann::json& config);
std::unique_ptr<Model> make_unigram_model(const nlohmann::json& config);

// "<0xAB>", the byte-fallback token of a byte.
std::string byte_token(unsigned char byte);

}  // namespace reasonrec::engine
