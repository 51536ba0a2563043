#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace reasonrec::prompt {

enum class Role { System, User, Assistant };

// "system", "user", "assistant": the OpenAI chat roles.
std::string_view role_name(Role role);

struct Message {
  Role role = Role::User;
  std::string content;
};

// A rendered prompt in chat form: an optional system message, then user / assistant turns
// (worked examples are user + assistant pairs), ending with the user turn to answer.
struct Prompt {
  std::vector<Message> messages;
};

// The plain completion form: the messages' contents in order, an assistant turn joined to the
// user turn before it by one newline (as a model would continue), every other pair separated
// by a blank line.
std::string to_completion(const Prompt& prompt);

// [{"role": "user", "content": "..."}, ...] as an OpenAI-compatible chat request expects.
nlohmann::json to_chat_json(const Prompt& prompt);

}  // namespace reasonrec::prompt
