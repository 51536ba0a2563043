#include "engine/chat/chat_template.hpp"

#include <fstream>
#include <sstream>

#include "util/error.hpp"

namespace reasonrec::engine {
namespace fs = std::filesystem;
namespace {

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), 0, "cannot read file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

nlohmann::ordered_json read_json(const fs::path& path) {
  const std::string text = read_text(path);
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path.string(), 0, std::string("invalid JSON: ") + e.what());
  }
}

// A special token in tokenizer_config.json / special_tokens_map.json is a string, an
// AddedToken object {"content": ...}, or null.
std::optional<std::string> token_string(const nlohmann::ordered_json& config, const char* key) {
  if (!config.is_object() || !config.contains(key)) return std::nullopt;
  const auto& v = config.at(key);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v.at("content").is_string()) {
    return v.at("content").get<std::string>();
  }
  return std::nullopt;
}

struct SpecialTokens {
  std::optional<std::string> bos;
  std::optional<std::string> eos;
};

SpecialTokens special_tokens_of(const nlohmann::ordered_json& config) {
  return {token_string(config, "bos_token"), token_string(config, "eos_token")};
}

// The "chat_template" member: a string, or a list of {name, template} (use "default").
std::optional<std::string> template_of(const nlohmann::ordered_json& config, const fs::path& file) {
  if (!config.is_object() || !config.contains("chat_template")) return std::nullopt;
  const auto& t = config.at("chat_template");
  if (t.is_null()) return std::nullopt;
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array()) {
    std::string names;
    for (const auto& entry : t) {
      if (!entry.is_object() || !entry.contains("name") || !entry.contains("template") ||
          !entry.at("name").is_string() || !entry.at("template").is_string()) {
        throw InputError(file.string(), 0,
                         "chat_template list entries must be {\"name\": ..., \"template\": ...}");
      }
      const auto name = entry.at("name").get<std::string>();
      if (name == "default") return entry.at("template").get<std::string>();
      names += (names.empty() ? "" : ", ") + name;
    }
    throw InputError(file.string(), 0,
                     "chat_template has no template named \"default\" (it has: " + names + ")");
  }
  throw InputError(file.string(), 0, "chat_template must be a string or a list of named templates");
}

bool file_contains(const fs::path& path, std::string_view needle) {
  if (!fs::exists(path)) return false;
  return read_text(path).find(needle) != std::string::npos;
}

}  // namespace

ChatTemplate::ChatTemplate(std::string source, std::string origin)
    : source_(std::move(source)),
      origin_(std::move(origin)),
      compiled_(jinja::Template::parse(source_, origin_)) {}

ChatTemplate ChatTemplate::from_source(std::string jinja, std::string source_name) {
  return ChatTemplate(std::move(jinja), std::move(source_name));
}

ChatTemplate ChatTemplate::from_file(const fs::path& file) {
  if (file.extension() == ".json") {
    const auto config = read_json(file);
    const auto source = template_of(config, file);
    if (!source) throw InputError(file.string(), 0, "no \"chat_template\" in this file");
    ChatTemplate t(*source, file.string());
    const auto tokens = special_tokens_of(config);
    t.bos_token_ = tokens.bos.value_or("");
    t.eos_token_ = tokens.eos.value_or("");
    return t;
  }
  return ChatTemplate(read_text(file), file.string());
}

ChatTemplate ChatTemplate::from_model_dir(const fs::path& dir,
                                          const std::optional<fs::path>& template_file) {
  const fs::path config_path = dir / "tokenizer_config.json";
  const fs::path map_path = dir / "special_tokens_map.json";
  const fs::path model_config_path = dir / "config.json";
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  if (fs::exists(config_path)) config = read_json(config_path);
  SpecialTokens tokens = special_tokens_of(config);
  if ((!tokens.bos || !tokens.eos) && fs::exists(map_path)) {
    const auto from_map = special_tokens_of(read_json(map_path));
    if (!tokens.bos) tokens.bos = from_map.bos;
    if (!tokens.eos) tokens.eos = from_map.eos;
  }

  std::optional<BuiltinChatTemplate> builtin;
  std::string model_type;
  if (fs::exists(model_config_path)) {
    const auto model_config = read_json(model_config_path);
    if (model_config.is_object() && model_config.contains("model_type") &&
        model_config.at("model_type").is_string()) {
      model_type = model_config.at("model_type").get<std::string>();
    }
  }
  const auto builtin_for_dir = [&] {
    const bool llama3 = file_contains(config_path, "<|start_header_id|>") ||
                        file_contains(dir / "tokenizer.json", "<|start_header_id|>");
    const bool chatml = file_contains(config_path, "<|im_start|>") ||
                        file_contains(dir / "tokenizer.json", "<|im_start|>");
    return builtin_chat_template(model_type, llama3, chatml);
  };

  std::optional<ChatTemplate> chosen;
  if (template_file) {
    chosen = from_file(*template_file);
    if (!tokens.bos && !chosen->bos_token_.empty()) tokens.bos = chosen->bos_token_;
    if (!tokens.eos && !chosen->eos_token_.empty()) tokens.eos = chosen->eos_token_;
  } else if (const auto source = template_of(config, config_path)) {
    chosen = ChatTemplate(*source, config_path.string());
  } else {
    builtin = builtin_for_dir();
    if (!builtin) {
      throw InputError(config_path.string(), 0,
                       "no chat_template here and no built-in template for model_type \"" +
                           model_type + "\"; pass your own chat template file");
    }
    chosen = ChatTemplate(builtin->source, "built-in " + builtin->name + " chat template");
  }
  if ((!tokens.bos || !tokens.eos) && !builtin) builtin = builtin_for_dir();
  chosen->bos_token_ = tokens.bos.value_or(builtin ? builtin->bos_token : "");
  chosen->eos_token_ = tokens.eos.value_or(builtin ? builtin->eos_token : "");
  return std::move(*chosen);
}

ChatTemplate ChatTemplate::with_special_tokens(std::string bos_token, std::string eos_token) const {
  ChatTemplate copy = *this;
  copy.bos_token_ = std::move(bos_token);
  copy.eos_token_ = std::move(eos_token);
  return copy;
}

std::string ChatTemplate::render(std::span<const ChatMessage> messages,
                                 bool add_generation_prompt) const {
  auto list = nlohmann::ordered_json::array();
  for (const auto& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
  return render_json(list, add_generation_prompt);
}

std::string ChatTemplate::render_json(const nlohmann::ordered_json& messages,
                                      bool add_generation_prompt,
                                      const nlohmann::ordered_json& extra_variables) const {
  // The variables transformers' apply_chat_template passes (tools and documents are None
  // unless given).
  nlohmann::ordered_json context = {
      {"messages", messages},    {"tools", nullptr},
      {"documents", nullptr},    {"add_generation_prompt", add_generation_prompt},
      {"bos_token", bos_token_}, {"eos_token", eos_token_}};
  if (extra_variables.is_object()) {
    for (const auto& [key, value] : extra_variables.items()) context[key] = value;
  }
  return compiled_.render(context);
}

}  // namespace reasonrec::engine
