#include "prompt/prompt.hpp"

namespace reasonrec::prompt {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::System:
      return "system";
    case Role::User:
      return "user";
    case Role::Assistant:
      return "assistant";
  }
  return "user";
}

std::string to_completion(const Prompt& prompt) {
  std::string out;
  for (std::size_t i = 0; i < prompt.messages.size(); ++i) {
    if (i > 0) out += prompt.messages[i].role == Role::Assistant ? "\n" : "\n\n";
    out += prompt.messages[i].content;
  }
  return out;
}

nlohmann::json to_chat_json(const Prompt& prompt) {
  auto out = nlohmann::json::array();
  for (const auto& m : prompt.messages) {
    out.push_back({{"role", std::string(role_name(m.role))}, {"content", m.content}});
  }
  return out;
}

}  // namespace reasonrec::prompt
