#include <nlohmann/json.hpp>

#include <string>

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

std::vector<std::int32_t> special_ids(const nlohmann::json& specials, const std::string& name) {
  if (!specials.contains(name)) throw Error("template uses undefined special token '" + name + "'");
  const auto& ids = jf::require(specials.at(name), "ids");
  if (!ids.is_array()) throw Error("special token '" + name + "' ids must be an array");
  std::vector<std::int32_t> out;
  for (const auto& id : ids) {
    if (!id.is_number_integer()) throw Error("special token '" + name + "' has a non-integer id");
    out.push_back(id.get<std::int32_t>());
  }
  return out;
}

std::int32_t type_id_of(const nlohmann::json& piece) {
  if (!piece.contains("type_id")) return 0;
  if (!piece.at("type_id").is_number_integer()) throw Error("template type_id must be an integer");
  return piece.at("type_id").get<std::int32_t>();
}

std::optional<PairTemplate> template_pair(const nlohmann::json& config) {
  if (!config.contains("pair") || config.at("pair").is_null()) return std::nullopt;
  const auto& pair = config.at("pair");
  if (!pair.is_array()) throw Error("TemplateProcessing 'pair' must be an array");
  const auto& specials =
      config.contains("special_tokens") ? config.at("special_tokens") : nlohmann::json::object();
  PairTemplate out;
  for (const auto& piece : pair) {
    PairTemplate::Piece p;
    if (piece.contains("Sequence")) {
      const auto& sequence = piece.at("Sequence");
      const std::string id = jf::string_field(sequence, "id");
      if (id != "A" && id != "B") throw Error("template sequence id must be A or B");
      p.sequence = id == "A" ? 0 : 1;
      p.type_id = type_id_of(sequence);
    } else if (piece.contains("SpecialToken")) {
      const auto& special = piece.at("SpecialToken");
      p.ids = special_ids(specials, jf::string_field(special, "id"));
      p.type_id = type_id_of(special);
    } else {
      throw Error("template piece must be Sequence or SpecialToken");
    }
    out.pieces.push_back(std::move(p));
  }
  return out;
}

}  // namespace

void PairTemplate::join(std::span<const std::int32_t> first, std::span<const std::int32_t> second,
                        std::vector<std::int32_t>& ids, std::vector<std::int32_t>& type_ids) const {
  for (const Piece& piece : pieces) {
    const std::span<const std::int32_t> part = piece.sequence == 0   ? first
                                               : piece.sequence == 1 ? second
                                                                     : std::span(piece.ids);
    ids.insert(ids.end(), part.begin(), part.end());
    type_ids.insert(type_ids.end(), part.size(), piece.type_id);
  }
}

std::optional<PairTemplate> make_pair_template(const nlohmann::json& config) {
  if (config.is_null()) return std::nullopt;
  const std::string type = jf::type_of(config);
  if (type == "TemplateProcessing") return template_pair(config);
  if (type == "BertProcessing" || type == "RobertaProcessing") {
    const std::int32_t cls = pair_id(config, "cls"), sep = pair_id(config, "sep");
    const bool bert = type == "BertProcessing";
    PairTemplate out;
    out.pieces.push_back({-1, {cls}, 0});
    out.pieces.push_back({0, {}, 0});
    out.pieces.push_back({-1, bert ? std::vector<std::int32_t>{sep} : std::vector{sep, sep}, 0});
    out.pieces.push_back({1, {}, bert ? 1 : 0});
    out.pieces.push_back({-1, {sep}, bert ? 1 : 0});
    return out;
  }
  if (type == "Sequence") {
    for (const auto& item : jf::require(config, "processors")) {
      if (auto pair = make_pair_template(item)) return pair;
    }
  }
  return std::nullopt;
}

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
