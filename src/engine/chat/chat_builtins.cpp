// The built-in chat templates, used when a model directory ships no chat_template. Each is the
// template its family publishes in tokenizer_config.json (see tests/chat/data).
#include "engine/chat/chat_template.hpp"

namespace reasonrec::engine {
namespace {

// Meta-Llama-3-Instruct.
constexpr const char* kLlama3 =
    R"({% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %})";

// Llama-2-chat.
constexpr const char* kLlama2 =
    R"({% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\n' + system_message + '\n<</SYS>>\n\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %})";

// Qwen2-Instruct (ChatML with a default system message).
constexpr const char* kQwen2 =
    R"({% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %})";

// Plain ChatML (SmolLM-style models without a default system message).
constexpr const char* kChatml =
    R"({% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %})";

// Mistral-7B-Instruct-v0.1 / Mixtral-8x7B-Instruct-v0.1.
constexpr const char* kMistral =
    R"({{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %})";

// Gemma / Gemma 2 instruction-tuned.
constexpr const char* kGemma =
    R"({{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['content'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\n'}}{% endif %})";

// Phi-3 / Phi-3.5 mini instruct.
constexpr const char* kPhi3 =
    R"({% for message in messages %}{% if message['role'] == 'system' and message['content'] %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %})";

}  // namespace

std::optional<BuiltinChatTemplate> builtin_chat_template(const std::string& model_type,
                                                         bool has_llama3_header_tokens,
                                                         bool has_chatml_tokens) {
  if (model_type == "llama") {
    if (has_llama3_header_tokens) {
      return BuiltinChatTemplate{"llama3", kLlama3, "<|begin_of_text|>", "<|eot_id|>"};
    }
    if (has_chatml_tokens) return BuiltinChatTemplate{"chatml", kChatml, "", "<|im_end|>"};
    return BuiltinChatTemplate{"llama2", kLlama2, "<s>", "</s>"};
  }
  if (model_type.rfind("qwen", 0) == 0) {
    return BuiltinChatTemplate{"qwen2", kQwen2, "", "<|im_end|>"};
  }
  if (model_type == "mistral" || model_type == "mixtral") {
    return BuiltinChatTemplate{"mistral", kMistral, "<s>", "</s>"};
  }
  if (model_type.rfind("gemma", 0) == 0) {
    return BuiltinChatTemplate{"gemma", kGemma, "<bos>", "<eos>"};
  }
  if (model_type == "phi3") return BuiltinChatTemplate{"phi3", kPhi3, "<s>", "<|endoftext|>"};
  if (has_chatml_tokens || model_type == "smollm" || model_type == "smollm3") {
    return BuiltinChatTemplate{"chatml", kChatml, "", "<|im_end|>"};
  }
  return std::nullopt;
}

}  // namespace reasonrec::engine
