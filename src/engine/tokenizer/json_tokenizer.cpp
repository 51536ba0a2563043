#include "engine/tokenizer/json_tokenizer.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "util/error.hpp"
#include "util/utf8.hpp"

namespace reasonrec::engine {

namespace {

// Loads one pipeline component, prefixing errors with the component's key.
template <typename Fn>
auto component(const nlohmann::json& root, const char* key, Fn&& make) {
  static const nlohmann::json kNull;
  try {
    return make(root.contains(key) ? root.at(key) : kNull);
  } catch (const Error& e) {
    throw Error(std::string(key) + ": " + e.what());
  }
}

}  // namespace

std::unique_ptr<JsonTokenizer> JsonTokenizer::from_string(std::string_view json_text,
                                                          const std::string& source,
                                                          const SpecialTokenConfig& special) {
  std::unique_ptr<JsonTokenizer> tokenizer(new JsonTokenizer());
  try {
    const auto root = nlohmann::json::parse(json_text);
    if (!root.is_object()) throw Error("top level must be an object");
    tokenizer->load(root, special);
  } catch (const InputError&) {
    throw;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(source, 0, std::string("invalid tokenizer JSON: ") + e.what());
  } catch (const Error& e) {
    throw InputError(source, 0, e.what());
  }
  return tokenizer;
}

std::unique_ptr<JsonTokenizer> JsonTokenizer::from_file(const std::filesystem::path& path,
                                                        const SpecialTokenConfig& special) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot open tokenizer file");
  std::stringstream buffer;
  buffer << in.rdbuf();
  return from_string(buffer.str(), path.string(), special);
}

void JsonTokenizer::load(const nlohmann::json& root, const SpecialTokenConfig& special) {
  normalizer_ = component(root, "normalizer", make_normalizer);
  pre_tokenizer_ = component(root, "pre_tokenizer", make_pre_tokenizer);
  model_ = component(root, "model", make_model);
  decoder_ = component(root, "decoder", make_decoder);
  wrap_ = component(root, "post_processor", make_post_processor);
  pair_ = component(root, "post_processor", make_pair_template);
  added_ = component(root, "added_tokens", [&](const nlohmann::json& list) {
    return AddedVocabulary(list, normalizer_.get());
  });
  clean_up_spaces_ = special.clean_up_tokenization_spaces;
  const auto resolve = [&](const std::optional<std::string>& token,
                           std::optional<std::int32_t> fallback) -> std::optional<std::int32_t> {
    if (token) {
      if (auto id = token_to_id(*token)) return id;
    }
    if (fallback && *fallback >= 0 && *fallback < vocab_size()) return fallback;
    return std::nullopt;
  };
  bos_ = resolve(special.bos_token, special.bos_id);
  eos_ = resolve(special.eos_token, special.eos_id);
  pad_ = resolve(special.pad_token, special.pad_id);
}

std::vector<std::int32_t> JsonTokenizer::encode(std::string_view text,
                                                bool add_special_tokens) const {
  std::vector<std::int32_t> ids;
  if (add_special_tokens) ids = wrap_.before;
  std::vector<std::string> pieces;
  for (const Segment& segment : added_.split(utf8::sanitize(text), normalizer_.get())) {
    if (segment.id) {
      ids.push_back(*segment.id);
      continue;
    }
    pieces.clear();
    if (pre_tokenizer_) {
      pre_tokenizer_->split(segment.text, segment.at_start, pieces);
    } else if (!segment.text.empty()) {
      pieces.push_back(segment.text);
    }
    for (const auto& piece : pieces) model_->tokenize(piece, ids);
  }
  if (add_special_tokens) ids.insert(ids.end(), wrap_.after.begin(), wrap_.after.end());
  return ids;
}

std::optional<PairEncoding> JsonTokenizer::join_pair(std::span<const std::int32_t> first,
                                                     std::span<const std::int32_t> second) const {
  if (!pair_) return std::nullopt;
  PairEncoding out;
  pair_->join(first, second, out.ids, out.type_ids);
  return out;
}

std::vector<std::string> JsonTokenizer::decode_chain(std::vector<std::string> tokens,
                                                     const DecodeMode& mode) const {
  if (decoder_) return decoder_->decode_chain(std::move(tokens), mode);
  // Without a decoder HF joins tokens with spaces.
  std::string joined;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 || !mode.sequence_start) joined += ' ';
    joined += tokens[i];
  }
  return {joined};
}

std::string JsonTokenizer::decode(std::span<const std::int32_t> ids,
                                  bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const std::int32_t id : ids) {
    if (const AddedToken* added = added_.find(id)) {
      if (!(skip_special_tokens && added->special)) tokens.push_back(added->content);
    } else if (const std::string* token = model_->vocab().token(id)) {
      tokens.push_back(*token);
    }
  }
  std::string text;
  for (const auto& piece : decode_chain(std::move(tokens), DecodeMode{})) text += piece;
  return clean_up_spaces_ ? clean_up_tokenization(std::move(text)) : text;
}

std::int32_t JsonTokenizer::vocab_size() const {
  std::int32_t size = model_->vocab().size();
  for (const auto& token : added_.tokens()) size = std::max(size, token.id + 1);
  return size;
}

std::optional<std::int32_t> JsonTokenizer::token_to_id(std::string_view token) const {
  if (const auto id = added_.find(token)) return id;
  return model_->vocab().find(token);
}

std::string JsonTokenizer::id_to_token(std::int32_t id) const {
  if (const AddedToken* added = added_.find(id)) return added->content;
  if (const std::string* token = model_->vocab().token(id)) return *token;
  return {};
}

std::string JsonTokenizer::token_bytes(std::int32_t id) const {
  std::string token = id_to_token(id);
  if (token.empty()) return {};
  const DecodeMode middle{.sequence_start = false, .sequence_end = false, .raw_bytes = true};
  std::string bytes;
  for (const auto& piece : decode_chain({std::move(token)}, middle)) bytes += piece;
  return bytes;
}

bool JsonTokenizer::is_special(std::int32_t id) const {
  const AddedToken* added = added_.find(id);
  return added != nullptr && added->special;
}

}  // namespace reasonrec::engine
