#pragma once

// Chat templates: turning a conversation into the prompt text a chat model was trained on.
//
// Where the template comes from (first match wins):
//   1. a template file the user passes (from_file, or the template_file argument of
//      from_model_dir): it overrides everything the model directory says;
//   2. "chat_template" in the model's tokenizer_config.json (a string, or a list of
//      {name, template} from which "default" is used);
//   3. a built-in chosen by config.json's model_type (see builtin_chat_template()).
// Templates run on our Jinja2 subset interpreter (docs/chat-templates.md) exactly as
// transformers' apply_chat_template runs them.

#include <filesystem>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/chat/jinja_template.hpp"

namespace reasonrec::engine {

struct ChatMessage {
  std::string role;
  std::string content;
};

class ChatTemplate {
 public:
  // Throws InputError naming the file (and template line) when nothing usable is found.
  static ChatTemplate from_model_dir(
      const std::filesystem::path& dir,
      const std::optional<std::filesystem::path>& template_file = std::nullopt);
  // A Jinja file; a .json file is read as a tokenizer_config.json (its chat_template,
  // bos_token and eos_token).
  static ChatTemplate from_file(const std::filesystem::path& file);
  static ChatTemplate from_source(std::string jinja, std::string source_name = "<chat template>");

  std::string render(std::span<const ChatMessage> messages, bool add_generation_prompt) const;
  // The general form: messages as JSON (tool_calls, tool messages, ...), plus extra template
  // variables such as "tools" or "date_string".
  std::string render_json(const nlohmann::ordered_json& messages, bool add_generation_prompt,
                          const nlohmann::ordered_json& extra_variables = nullptr) const;

  // The bos_token / eos_token variables the template sees.
  ChatTemplate with_special_tokens(std::string bos_token, std::string eos_token) const;
  const std::string& bos_token() const { return bos_token_; }
  const std::string& eos_token() const { return eos_token_; }
  const std::string& source() const { return source_; }
  // Where the template came from: a file path or "built-in <name>".
  const std::string& origin() const { return origin_; }

 private:
  ChatTemplate(std::string source, std::string origin);
  std::string source_;
  std::string origin_;
  jinja::Template compiled_;
  std::string bos_token_;
  std::string eos_token_;
};

struct BuiltinChatTemplate {
  std::string name;
  std::string source;
  std::string bos_token;
  std::string eos_token;
};

// The built-in for a model directory without a chat_template: by config.json model_type
// ("llama": Llama 3 when the vocabulary has <|start_header_id|>, ChatML when it has
// <|im_start|> (SmolLM), else Llama 2; "qwen2"...: ChatML; "mistral"; "gemma"/"gemma2";
// "phi3"; anything with <|im_start|> in its vocabulary: ChatML). nullopt when none fits.
std::optional<BuiltinChatTemplate> builtin_chat_template(const std::string& model_type,
                                                         bool has_llama3_header_tokens,
                                                         bool has_chatml_tokens);

}  // namespace reasonrec::engine
