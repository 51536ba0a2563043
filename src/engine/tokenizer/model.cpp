#include "engine/tokenizer/model.hpp"

#include <nlohmann/json.hpp>

#include "engine/tokenizer/json_fields.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

void Vocab::add(std::string token, std::int32_t id) {
  if (id < 0) throw Error("token '" + token + "' has negative id " + std::to_string(id));
  // Real vocabularies are dense; this bound keeps a hostile id from allocating gigabytes.
  if (id > (1 << 22))
    throw Error("token '" + token + "' has id " + std::to_string(id) + " (too large)");
  const auto index = static_cast<std::size_t>(id);
  if (index >= tokens_.size()) {
    tokens_.resize(index + 1);
    present_.resize(index + 1, false);
  }
  if (present_[index]) throw Error("id " + std::to_string(id) + " is used twice");
  if (!ids_.emplace(token, id).second) throw Error("token '" + token + "' appears twice");
  tokens_[index] = std::move(token);
  present_[index] = true;
}

std::optional<std::int32_t> Vocab::find(std::string_view token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

const std::string* Vocab::token(std::int32_t id) const {
  if (id < 0 || id >= size() || !present_[static_cast<std::size_t>(id)]) return nullptr;
  return &tokens_[static_cast<std::size_t>(id)];
}

std::string byte_token(unsigned char byte) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string token = "<0x00>";
  token[3] = kHex[byte >> 4];
  token[4] = kHex[byte & 0xF];
  return token;
}

std::unique_ptr<Model> make_model(const nlohmann::json& config) {
  if (!config.is_object()) throw Error("'model' must be an object");
  // Old files omit the type; their fields tell which model they are.
  std::string type = json_fields::string_or(config, "type", "");
  if (type.empty()) {
    if (config.contains("merges")) {
      type = "BPE";
    } else if (config.contains("continuing_subword_prefix") ||
               config.contains("max_input_chars_per_word")) {
      type = "WordPiece";
    } else if (config.contains("vocab") && config.at("vocab").is_array()) {
      type = "Unigram";
    }
  }
  if (type == "BPE") return make_bpe_model(config);
  if (type == "WordPiece") return make_wordpiece_model(config);
  if (type == "Unigram") return make_unigram_model(config);
  throw Error("unsupported model type '" + type + "'");
}

}  // namespace reasonrec::engine
