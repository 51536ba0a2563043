#include "engine/tokenizer/special_tokens.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace reasonrec::engine {

namespace {

std::optional<nlohmann::json> read_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream buffer;
  buffer << in.rdbuf();
  try {
    return nlohmann::json::parse(buffer.str());
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path.string(), 0, std::string("invalid JSON: ") + e.what());
  }
}

// "<s>" or {"content": "<s>", ...} (an AddedToken object).
std::optional<std::string> token_string(const nlohmann::json& config, const char* key,
                                        const std::filesystem::path& path) {
  if (!config.is_object() || !config.contains(key) || config.at(key).is_null()) return std::nullopt;
  const auto& value = config.at(key);
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value.at("content").is_string()) {
    return value.at("content").get<std::string>();
  }
  throw InputError(path.string(), 0,
                   std::string("'") + key + "' must be a string or an AddedToken object");
}

std::optional<std::int32_t> token_id(const nlohmann::json& config, const char* key) {
  if (!config.is_object() || !config.contains(key)) return std::nullopt;
  const auto& value = config.at(key);
  if (value.is_number_integer()) return value.get<std::int32_t>();
  // Llama 3.1 lists several end-of-sequence ids; the first is the canonical one.
  if (value.is_array() && !value.empty() && value[0].is_number_integer())
    return value[0].get<std::int32_t>();
  return std::nullopt;
}

}  // namespace

SpecialTokenConfig read_special_token_config(const std::filesystem::path& dir) {
  SpecialTokenConfig result;
  // special_tokens_map.json first, so tokenizer_config.json overrides it.
  for (const char* name : {"special_tokens_map.json", "tokenizer_config.json"}) {
    const auto path = dir / name;
    const auto config = read_json(path);
    if (!config) continue;
    if (auto t = token_string(*config, "bos_token", path)) result.bos_token = t;
    if (auto t = token_string(*config, "eos_token", path)) result.eos_token = t;
    if (auto t = token_string(*config, "pad_token", path)) result.pad_token = t;
    if (config->contains("add_bos_token") && config->at("add_bos_token").is_boolean()) {
      result.add_bos_token = config->at("add_bos_token").get<bool>();
    }
    if (config->contains("add_eos_token") && config->at("add_eos_token").is_boolean()) {
      result.add_eos_token = config->at("add_eos_token").get<bool>();
    }
    if (config->contains("clean_up_tokenization_spaces") &&
        config->at("clean_up_tokenization_spaces").is_boolean()) {
      result.clean_up_tokenization_spaces = config->at("clean_up_tokenization_spaces").get<bool>();
    }
  }
  for (const char* name : {"config.json", "generation_config.json"}) {
    const auto config = read_json(dir / name);
    if (!config) continue;
    if (auto id = token_id(*config, "bos_token_id")) result.bos_id = id;
    if (auto id = token_id(*config, "eos_token_id")) result.eos_id = id;
    if (auto id = token_id(*config, "pad_token_id")) result.pad_id = id;
  }
  return result;
}

std::string clean_up_tokenization(std::string text) {
  static constexpr std::pair<std::string_view, std::string_view> kRules[] = {
      {" .", "."},     {" ?", "?"},   {" !", "!"},   {" ,", ","},     {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  for (const auto& [from, to] : kRules) {
    for (std::size_t pos = text.find(from); pos != std::string::npos;
         pos = text.find(from, pos + to.size())) {
      text.replace(pos, from.size(), to);
    }
  }
  return text;
}

}  // namespace reasonrec::engine
