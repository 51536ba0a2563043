// The chat templates real models publish, rendered by our interpreter and by real Jinja2 (as
// transformers' apply_chat_template runs it), compared byte for byte.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "engine/chat/chat_template.hpp"
#include "python_jinja.hpp"
#include "support/paths.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {
namespace {

using nlohmann::ordered_json;

ordered_json published_configs() {
  std::ifstream in(std::string(REASONREC_SOURCE_DIR) + "/tests/chat/data/tokenizer_configs.json");
  return ordered_json::parse(in);
}

ordered_json msg(const std::string& role, const std::string& content) {
  return {{"role", role}, {"content", content}};
}

std::vector<ordered_json> conversations() {
  return {
      {msg("system", "You are a helpful assistant."), msg("user", "Hello!")},
      {msg("user", "Grüße aus Köln — naïve café 🌍 日本語"), msg("assistant", "  Danke!  \n"),
       msg("user", "Und jetzt?")},
      {msg("system", "  Rate items 1-5.\n"),
       msg("user", "Item: {{ not a tag }} {% if %} \"quoted\" 'single' \\ back\\slash"),
       msg("assistant", "{\"rating\": 4}"), msg("user", "Next: {'a': 1}\u00a0")},
      {msg("user", "line1\n\nline2\ttab")},
      {msg("assistant", "I speak first"), msg("user", "hi")},
      {msg("system", "only a system prompt")},
      {msg("system", ""), msg("user", "empty system")},
      {msg("user", "a"), msg("user", "b")},
      ordered_json::array(),
  };
}

struct Rendered {
  bool ok = false;
  std::string text;
};

Rendered render_ours(const ChatTemplate& t, const ordered_json& messages, bool add_generation,
                     const ordered_json& extra = nullptr) {
  try {
    return {true, t.render_json(messages, add_generation, extra)};
  } catch (const InputError& e) {
    return {false, e.what()};
  }
}

ordered_json reference_context(const ChatTemplate& t, const ordered_json& messages,
                               bool add_generation, const ordered_json& extra = nullptr) {
  ordered_json context = {{"messages", messages},       {"tools", nullptr},
                          {"documents", nullptr},       {"add_generation_prompt", add_generation},
                          {"bos_token", t.bos_token()}, {"eos_token", t.eos_token()}};
  if (extra.is_object()) {
    for (const auto& [k, v] : extra.items()) context[k] = v;
  }
  return context;
}

void expect_same(const Rendered& ours, const test::JinjaResult& reference, int& matched_text) {
  switch (reference.kind) {
    case test::JinjaResult::Kind::Ok:
      ASSERT_TRUE(ours.ok) << "we failed where Jinja2 rendered: " << ours.text;
      EXPECT_EQ(ours.text, reference.text);
      ++matched_text;
      break;
    case test::JinjaResult::Kind::Raised:
      ASSERT_FALSE(ours.ok) << "Jinja2 raised \"" << reference.text << "\" but we rendered:\n"
                            << ours.text;
      EXPECT_NE(ours.text.find("template raised an error: " + reference.text), std::string::npos)
          << ours.text;
      break;
    case test::JinjaResult::Kind::OtherError:
      EXPECT_FALSE(ours.ok) << "Jinja2 failed (" << reference.text << ") but we rendered:\n"
                            << ours.text;
      break;
  }
}

// Loads each published tokenizer_config.json through ChatTemplate::from_model_dir.
std::vector<std::pair<std::string, ChatTemplate>> published_templates() {
  std::vector<std::pair<std::string, ChatTemplate>> out;
  const auto configs = published_configs();
  const auto root = test::scratch_dir();
  for (const auto& [model, config] : configs.items()) {
    if (model == "_comment") continue;
    const auto dir = root / model;
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "tokenizer_config.json") << config.dump(2);
    out.emplace_back(model, ChatTemplate::from_model_dir(dir));
  }
  return out;
}

TEST(RealChatTemplates, LoadWithTheirSpecialTokens) {
  const auto configs = published_configs();
  for (const auto& [model, t] : published_templates()) {
    SCOPED_TRACE(model);
    const auto& config = configs.at(model);
    EXPECT_EQ(t.source(), config.at("chat_template").get<std::string>());
    EXPECT_EQ(t.bos_token(),
              config.at("bos_token").is_null() ? "" : config.at("bos_token").get<std::string>());
    EXPECT_EQ(t.eos_token(), config.at("eos_token").get<std::string>());
  }
}

TEST(RealChatTemplates, MatchJinja2OnConversations) {
  const auto templates = published_templates();
  const auto convs = conversations();
  std::vector<test::JinjaCase> cases;
  std::vector<Rendered> ours;
  std::vector<std::string> labels;
  for (const auto& [model, t] : templates) {
    for (std::size_t c = 0; c < convs.size(); ++c) {
      for (const bool add_generation : {false, true}) {
        cases.push_back({t.source(), reference_context(t, convs[c], add_generation)});
        ours.push_back(render_ours(t, convs[c], add_generation));
        labels.push_back(model + " conversation " + std::to_string(c) +
                         (add_generation ? " +generation prompt" : ""));
      }
    }
  }
  const auto reference = test::render_with_python_jinja(cases);
  int matched_text = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(labels[i]);
    expect_same(ours[i], reference[i], matched_text);
  }
  // Most cases must render (errors are only the conversations a template rejects).
  EXPECT_GE(matched_text, 100);
}

TEST(RealChatTemplates, ChatMessageApiEqualsJsonApi) {
  for (const auto& [model, t] : published_templates()) {
    SCOPED_TRACE(model);
    const std::vector<ChatMessage> messages = {
        {"user", "Hi there"}, {"assistant", "Hello"}, {"user", "Rate it"}};
    const ordered_json json_messages = {msg("user", "Hi there"), msg("assistant", "Hello"),
                                        msg("user", "Rate it")};
    EXPECT_EQ(t.render(messages, true), t.render_json(json_messages, true));
  }
}

ordered_json weather_tool() {
  return ordered_json::parse(R"({"type": "function", "function": {"name": "get_weather",
    "description": "Get the weather in a city.", "parameters": {"type": "object",
    "properties": {"city": {"type": "string", "description": "City name, e.g. Köln"},
    "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]},
    "return": {"type": "number"}}})");
}

TEST(RealChatTemplates, ToolBranchesMatchJinja2) {
  const auto templates = published_templates();
  const auto tool_conversation = ordered_json::parse(R"([
    {"role": "system", "content": "Use tools when needed."},
    {"role": "user", "content": "Weather in Köln?"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "abcDEF123", "type": "function",
      "function": {"name": "get_weather", "arguments": {"city": "Köln", "unit": "celsius"}}}]},
    {"role": "tool", "tool_call_id": "abcDEF123", "name": "get_weather", "content": "{\"temp\": 3.5}"},
    {"role": "tool", "tool_call_id": "abcDEF124", "name": "get_weather", "content": "21"},
    {"role": "assistant", "content": "It is 3.5 °C."},
    {"role": "user", "content": "Thanks"}])");
  const auto bad_id = ordered_json::parse(R"([
    {"role": "user", "content": "Weather?"},
    {"role": "assistant", "content": "", "tool_calls": [{"id": "short", "type": "function",
      "function": {"name": "get_weather", "arguments": {"city": "Oslo"}}}]}])");
  const std::vector<std::pair<ordered_json, ordered_json>> variants = {
      {tool_conversation, {{"tools", {weather_tool()}}}},
      {tool_conversation, ordered_json::object()},
      {tool_conversation, {{"tools", {weather_tool()}}, {"tools_in_user_message", false}}},
      {tool_conversation,
       {{"date_string", "03 Mar 2025"}, {"builtin_tools", {"brave_search", "code_interpreter"}}}},
      {bad_id, {{"tools", {weather_tool()}}}},
  };
  std::vector<test::JinjaCase> cases;
  std::vector<Rendered> ours;
  std::vector<std::string> labels;
  for (const auto& [model, t] : templates) {
    if (model != "llama-3.1-8b-instruct" && model != "llama-3.2-1b-instruct" &&
        model != "qwen2.5-7b-instruct" && model != "mistral-7b-instruct-v0.3") {
      continue;
    }
    for (std::size_t v = 0; v < variants.size(); ++v) {
      const auto& [messages, extra] = variants[v];
      cases.push_back({t.source(), reference_context(t, messages, true, extra)});
      ours.push_back(render_ours(t, messages, true, extra));
      labels.push_back(model + " tool variant " + std::to_string(v));
    }
  }
  const auto reference = test::render_with_python_jinja(cases);
  int matched_text = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(labels[i]);
    expect_same(ours[i], reference[i], matched_text);
  }
  EXPECT_GE(matched_text, 12);
}

}  // namespace
}  // namespace reasonrec::engine

namespace reasonrec::engine {
namespace {

// The built-ins (used when a model directory has no chat_template) against Jinja2 as well.
TEST(BuiltinChatTemplates, MatchJinja2OnConversations) {
  const std::vector<std::optional<BuiltinChatTemplate>> builtins = {
      builtin_chat_template("llama", true, false),    builtin_chat_template("llama", false, true),
      builtin_chat_template("llama", false, false),   builtin_chat_template("qwen2", false, true),
      builtin_chat_template("mistral", false, false), builtin_chat_template("gemma2", false, false),
      builtin_chat_template("phi3", false, false)};
  std::vector<test::JinjaCase> cases;
  std::vector<Rendered> ours;
  std::vector<std::string> labels;
  const auto convs = conversations();
  for (const auto& builtin : builtins) {
    ASSERT_TRUE(builtin.has_value());
    const auto t = ChatTemplate::from_source(builtin->source, builtin->name)
                       .with_special_tokens(builtin->bos_token, builtin->eos_token);
    for (std::size_t c = 0; c < convs.size(); ++c) {
      for (const bool add_generation : {false, true}) {
        cases.push_back({t.source(), reference_context(t, convs[c], add_generation)});
        ours.push_back(render_ours(t, convs[c], add_generation));
        labels.push_back(builtin->name + " conversation " + std::to_string(c));
      }
    }
  }
  const auto reference = test::render_with_python_jinja(cases);
  int matched_text = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(labels[i]);
    expect_same(ours[i], reference[i], matched_text);
  }
  EXPECT_GE(matched_text, 60);
}

}  // namespace
}  // namespace reasonrec::engine
