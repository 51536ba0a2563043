// Where ChatTemplate finds its template: user file > tokenizer_config.json > built-in.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/chat/chat_template.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

void write(const fs::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

const std::vector<ChatMessage> kConversation = {{"system", "Be brief."}, {"user", "Hi"}};
const std::vector<ChatMessage> kNoSystem = {
    {"user", "Hi"}, {"assistant", "Hello"}, {"user", "Bye"}};

TEST(ChatTemplate, ReadsStringTemplateAndSpecialTokensFromTokenizerConfig) {
  const auto dir = test::scratch_dir();
  write(
      dir / "tokenizer_config.json",
      R"({"chat_template": "{{ bos_token }}{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}{{ eos_token }}",
    "bos_token": {"content": "<B>", "lstrip": false}, "eos_token": "<E>"})");
  const auto t = ChatTemplate::from_model_dir(dir);
  EXPECT_EQ(t.render(kConversation, false), "<B>[system:Be brief.][user:Hi]<E>");
  EXPECT_EQ(t.origin(), (dir / "tokenizer_config.json").string());
}

TEST(ChatTemplate, PicksTheDefaultOfNamedTemplates) {
  const auto dir = test::scratch_dir();
  write(dir / "tokenizer_config.json", R"({"chat_template": [
    {"name": "tool_use", "template": "TOOLS"}, {"name": "default", "template": "DEFAULT {{ messages|length }}"}]})");
  EXPECT_EQ(ChatTemplate::from_model_dir(dir).render(kConversation, true), "DEFAULT 2");

  write(dir / "tokenizer_config.json", R"({"chat_template": [{"name": "rag", "template": "x"}]})");
  try {
    ChatTemplate::from_model_dir(dir);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no template named \"default\" (it has: rag)"),
              std::string::npos);
  }
}

TEST(ChatTemplate, SpecialTokensFallBackToSpecialTokensMap) {
  const auto dir = test::scratch_dir();
  write(dir / "tokenizer_config.json", R"({"chat_template": "{{ bos_token }}|{{ eos_token }}"})");
  write(dir / "special_tokens_map.json",
        R"({"bos_token": "<s>", "eos_token": {"content": "</s>"}})");
  EXPECT_EQ(ChatTemplate::from_model_dir(dir).render(kConversation, false), "<s>|</s>");
}

TEST(ChatTemplate, UserFileOverridesTheModelDirectory) {
  const auto dir = test::scratch_dir();
  write(dir / "tokenizer_config.json",
        R"({"chat_template": "MODEL", "bos_token": "<s>", "eos_token": "</s>"})");
  write(dir / "mine.jinja", "{{ bos_token }}{% for m in messages %}{{ m.content }};{% endfor %}\n");
  const auto t = ChatTemplate::from_model_dir(dir, dir / "mine.jinja");
  EXPECT_EQ(t.render(kConversation, false), "<s>Be brief.;Hi;");
  EXPECT_EQ(t.origin(), (dir / "mine.jinja").string());

  // A .json file is read like a tokenizer_config.json.
  write(dir / "other.json", R"({"chat_template": "J{{ eos_token }}", "eos_token": "<eot>"})");
  EXPECT_EQ(ChatTemplate::from_file(dir / "other.json").render(kConversation, false), "J<eot>");
}

TEST(ChatTemplate, BuiltInsByModelType) {
  const auto dir = test::scratch_dir();
  const auto with_config = [&](const std::string& model_type, const std::string& vocab_hint) {
    fs::remove(dir / "tokenizer_config.json");
    write(dir / "config.json", "{\"model_type\": \"" + model_type + "\"}");
    write(dir / "tokenizer.json", "{\"added_tokens\": [{\"content\": \"" + vocab_hint + "\"}]}");
    return ChatTemplate::from_model_dir(dir);
  };
  EXPECT_EQ(with_config("llama", "<|start_header_id|>").render(kConversation, true),
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
            "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(with_config("llama", "<unk>").render(kConversation, true),
            "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST]");
  EXPECT_EQ(with_config("llama", "<|im_start|>").render(kConversation, true),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(
      with_config("qwen2", "<|im_start|>").render(kNoSystem, false),
      "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi"
      "<|im_end|>\n<|im_start|>assistant\nHello<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n");
  EXPECT_EQ(with_config("mistral", "").render(kNoSystem, true),
            "<s>[INST] Hi [/INST]Hello</s>[INST] Bye [/INST]");
  EXPECT_EQ(with_config("gemma2", "").render(kNoSystem, true),
            "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\nHello<end_of_turn>\n"
            "<start_of_turn>user\nBye<end_of_turn>\n<start_of_turn>model\n");
  EXPECT_EQ(
      with_config("phi3", "").render(kNoSystem, false),
      "<|user|>\nHi<|end|>\n<|assistant|>\nHello<|end|>\n<|user|>\nBye<|end|>\n<|endoftext|>");
  try {
    with_config("gemma", "").render(kConversation, true);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("System role not supported"), std::string::npos);
  }
  try {
    with_config("t5", "");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no built-in template for model_type \"t5\""),
              std::string::npos);
  }
}

TEST(ChatTemplate, BadFilesGiveClearErrors) {
  const auto dir = test::scratch_dir();
  write(dir / "tokenizer_config.json", "{not json");
  EXPECT_THROW(ChatTemplate::from_model_dir(dir), InputError);
  write(dir / "tokenizer_config.json", R"({"chat_template": 42})");
  EXPECT_THROW(ChatTemplate::from_model_dir(dir), InputError);
  write(dir / "tokenizer_config.json", "{\"chat_template\": \"line1\\n{% if x %}\"}");
  try {
    ChatTemplate::from_model_dir(dir);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), (dir / "tokenizer_config.json").string());
    EXPECT_EQ(e.line(), 2u);
  }
  EXPECT_THROW(ChatTemplate::from_file(dir / "missing.jinja"), InputError);
}

TEST(ChatTemplate, ExtraVariablesReachTheTemplate) {
  const auto t = ChatTemplate::from_source("{{ date_string }}|{{ tools is none }}|{{ x }}")
                     .with_special_tokens("<s>", "</s>");
  EXPECT_EQ(t.render_json(ordered_json::array(), false, {{"date_string", "1 Jan"}, {"x", 3}}),
            "1 Jan|True|3");
  EXPECT_EQ(t.bos_token(), "<s>");
}

}  // namespace
}  // namespace reasonrec::engine
