#include <nlohmann/json.hpp>

#include "engine/tokenizer/json_fields.hpp"
#include "engine/tokenizer/post_processor.hpp"

namespace reasonrec::engine {

namespace {

namespace jf = json_fields;

// BertProcessing / RobertaProcessing store ["[CLS]", 101] pairs.
std::int32_t pair_id(const nlohmann::json& config, const char* key) {
  const auto& pair = jf::require(config, key);
  if (!pair.is_array() || pair.size() != 2 || !pair[1].is_number_integer()) {
    throw Error(std::string("'") + key + "' must be [token, id]");
  }
  return pair[1].get<std::int32_t>();
}

SpecialWrap template_wrap(const nlohmann::json& config) {
  const auto& single = jf::require(config, "single");
  if (!single.is_array()) throw Error("TemplateProcessing 'single' must be an array");
  const auto& specials =
      config.contains("special_tokens") ? config.at("special_tokens") : nlohmann::json::object();
  SpecialWrap wrap;
  bool seen_sequence = false;
  for (const auto& piece : single) {
    if (piece.contains("Sequence")) {
      seen_sequence = true;
      continue;
    }
    if (!piece.contains("SpecialToken"))
      throw Error("template piece must be Sequence or SpecialToken");
    const std::string name = jf::string_field(piece.at("SpecialToken"), "id");
    if (!specials.contains(name))
      throw Error("template uses undefined special token '" + name + "'");
    const auto& ids = jf::require(specials.at(name), "ids");
    if (!ids.is_array()) throw Error("special token '" + name + "' ids must be an array");
    auto& target = seen_sequence ? wrap.after : wrap.before;
    for (const auto& id : ids) {
      if (!id.is_number_integer()) throw Error("special token '" + name + "' has a non-integer id");
      target.push_back(id.get<std::int32_t>());
    }
  }
  return wrap;
}

}  // namespace

SpecialWrap make_post_processor(const nlohmann::json& config) {
  if (config.is_null()) return {};
  const std::string type = jf::type_of(config);
  if (type == "TemplateProcessing") return template_wrap(config);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    return {{pair_id(config, "cls")}, {pair_id(config, "sep")}};
  }
  if (type == "ByteLevel") return {};
  if (type == "Sequence") {
    const auto& list = jf::require(config, "processors");
    if (!list.is_array()) throw Error("'processors' must be an array");
    SpecialWrap wrap;
    for (const auto& item : list) {
      const SpecialWrap step = make_post_processor(item);
      wrap.before.insert(wrap.before.begin(), step.before.begin(), step.before.end());
      wrap.after.insert(wrap.after.end(), step.after.begin(), step.after.end());
    }
    return wrap;
  }
  throw Error("unsupported post_processor type '" + type + "'");
}

}  // namespace reasonrec::engine
