#include "serve/api_request.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "serve/api_error.hpp"

namespace reasonrec::serve {
namespace {

using json = nlohmann::json;

const char* type_name(const json& value) {
  if (value.is_string()) return "a string";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "a number";
  if (value.is_array()) return "an array";
  if (value.is_object()) return "an object";
  return "null";
}

[[noreturn]] void wrong_type(const std::string& field, const char* expected, const json& value) {
  throw invalid_request("'" + field + "' must be " + expected + ", not " + type_name(value), field);
}

// Null counts as absent, as in OpenAI's API.
const json* field(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return nullptr;
  return &*it;
}

double number(const json& body, const char* name, double fallback, double low, double high) {
  const json* value = field(body, name);
  if (!value) return fallback;
  if (!value->is_number()) wrong_type(name, "a number", *value);
  const double v = value->get<double>();
  if (!std::isfinite(v) || v < low || v > high) {
    throw invalid_request("'" + std::string(name) + "' must be between " + json(low).dump() +
                              " and " + json(high).dump() + ", got " + value->dump(),
                          name);
  }
  return v;
}

std::optional<std::int64_t> integer(const json& body, const char* name, std::int64_t low,
                                    std::int64_t high) {
  const json* value = field(body, name);
  if (!value) return std::nullopt;
  if (!value->is_number_integer()) wrong_type(name, "an integer", *value);
  const auto v = value->get<std::int64_t>();
  if (value->is_number_unsigned() &&
      value->get<std::uint64_t>() > static_cast<std::uint64_t>(high)) {
    throw invalid_request("'" + std::string(name) + "' must be at most " + std::to_string(high),
                          name);
  }
  if (v < low || v > high) {
    throw invalid_request("'" + std::string(name) + "' must be between " + std::to_string(low) +
                              " and " + std::to_string(high) + ", got " + std::to_string(v),
                          name);
  }
  return v;
}

bool boolean(const json& body, const char* name) {
  const json* value = field(body, name);
  if (!value) return false;
  if (!value->is_boolean()) wrong_type(name, "a boolean", *value);
  return value->get<bool>();
}

std::string string_field(const json& body, const char* name) {
  const json* value = field(body, name);
  if (!value) return {};
  if (!value->is_string()) wrong_type(name, "a string", *value);
  return value->get<std::string>();
}

// Content as a string, or as OpenAI's array of parts of which only text is understood.
std::string message_content(const json& content, const std::string& where) {
  if (content.is_null()) return {};
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array()) wrong_type(where, "a string or an array of parts", content);
  std::string text;
  for (std::size_t i = 0; i < content.size(); ++i) {
    const json& part = content[i];
    const std::string part_name = where + "[" + std::to_string(i) + "]";
    if (!part.is_object()) wrong_type(part_name, "an object", part);
    const json* type = field(part, "type");
    if (!type || !type->is_string() || type->get<std::string>() != "text") {
      throw invalid_request("only text content parts are supported", part_name + ".type");
    }
    const json* part_text = field(part, "text");
    if (!part_text || !part_text->is_string()) {
      throw invalid_request("a text part needs a string 'text'", part_name + ".text");
    }
    text += part_text->get<std::string>();
  }
  return text;
}

std::vector<ChatTurn> parse_messages(const json& body) {
  const json* messages = field(body, "messages");
  if (!messages) throw invalid_request("'messages' is required", "messages");
  if (!messages->is_array()) wrong_type("messages", "an array", *messages);
  if (messages->empty()) throw invalid_request("'messages' must not be empty", "messages");
  std::vector<ChatTurn> turns;
  for (std::size_t i = 0; i < messages->size(); ++i) {
    const json& m = (*messages)[i];
    const std::string where = "messages[" + std::to_string(i) + "]";
    if (!m.is_object()) wrong_type(where, "an object", m);
    const json* role = field(m, "role");
    if (!role || !role->is_string()) {
      throw invalid_request(where + " needs a string 'role'", where + ".role");
    }
    const auto r = role->get<std::string>();
    if (r != "system" && r != "user" && r != "assistant" && r != "developer" && r != "tool") {
      throw invalid_request("unknown role '" + r + "'", where + ".role");
    }
    auto content = m.find("content");
    turns.push_back(
        {r, message_content(content == m.end() ? json(nullptr) : *content, where + ".content")});
  }
  const bool only_instructions = std::all_of(turns.begin(), turns.end(), [](const ChatTurn& t) {
    return t.role == "system" || t.role == "developer";
  });
  if (only_instructions) {
    throw invalid_request("'messages' needs a user message, not only system instructions",
                          "messages");
  }
  return turns;
}

// 64 prompts x n=64 x a large max_tokens is one small body: the work it asks for is capped.
void check_work(const ApiRequest& r, const RequestLimits& limits) {
  const std::int64_t prompts =
      r.route == Route::Chat ? 1 : static_cast<std::int64_t>(r.prompts.size());
  const std::int64_t sequences = prompts * r.n;
  if (sequences > limits.max_sequences) {
    throw invalid_request("this request asks for " + std::to_string(sequences) +
                              " sequences (prompts x n); the server allows " +
                              std::to_string(limits.max_sequences) + " per request",
                          "n");
  }
  if (r.max_tokens && sequences * *r.max_tokens > limits.max_generated_tokens) {
    throw invalid_request("this request may generate " + std::to_string(sequences * *r.max_tokens) +
                              " tokens (prompts x n x max_tokens); the server allows " +
                              std::to_string(limits.max_generated_tokens) + " per request",
                          "max_tokens");
  }
}

std::vector<std::string> parse_prompts(const json& body, int max_prompts) {
  const json* prompt = field(body, "prompt");
  if (!prompt) throw invalid_request("'prompt' is required", "prompt");
  if (prompt->is_string()) return {prompt->get<std::string>()};
  if (!prompt->is_array()) wrong_type("prompt", "a string or an array of strings", *prompt);
  if (prompt->empty()) throw invalid_request("'prompt' must not be empty", "prompt");
  if (static_cast<int>(prompt->size()) > max_prompts) {
    throw invalid_request("at most " + std::to_string(max_prompts) + " prompts per request",
                          "prompt");
  }
  std::vector<std::string> prompts;
  for (const json& p : *prompt) {
    if (!p.is_string()) {
      throw invalid_request("prompts must be strings (token-id prompts are not supported)",
                            "prompt");
    }
    prompts.push_back(p.get<std::string>());
  }
  return prompts;
}

std::vector<std::string> parse_stop(const json& body, int max_stop) {
  const json* stop = field(body, "stop");
  if (!stop) return {};
  std::vector<std::string> out;
  if (stop->is_string()) {
    out.push_back(stop->get<std::string>());
  } else if (stop->is_array()) {
    for (const json& s : *stop) {
      if (!s.is_string()) wrong_type("stop", "a string or an array of strings", *stop);
      out.push_back(s.get<std::string>());
    }
  } else {
    wrong_type("stop", "a string or an array of strings", *stop);
  }
  if (static_cast<int>(out.size()) > max_stop) {
    throw invalid_request("at most " + std::to_string(max_stop) + " stop strings", "stop");
  }
  for (const auto& s : out) {
    if (s.empty()) throw invalid_request("stop strings must not be empty", "stop");
  }
  return out;
}

// Where in the document the parser is, as "messages[2].content", so that an error the JSON
// library raises inside a value (a number beyond double range) names the field it was in.
class JsonPath {
 public:
  bool on_event(json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames_.push_back({false, {}, 0});
        break;
      case json::parse_event_t::array_start:
        frames_.push_back({true, {}, 0});
        break;
      case json::parse_event_t::key:
        if (!frames_.empty() && parsed.is_string()) frames_.back().key = parsed.get<std::string>();
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:
        element_done();
        break;
    }
    return true;
  }

  std::string str() const {
    std::string path;
    for (const auto& frame : frames_) {
      if (frame.array) {
        path += "[" + std::to_string(frame.index) + "]";
      } else if (!frame.key.empty()) {
        path += (path.empty() ? "" : ".") + frame.key;
      }
    }
    return path;
  }

 private:
  struct Frame {
    bool array;
    std::string key;
    std::size_t index;
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::vector<Frame> frames_;
};

json parse_body(std::string_view body_text) {
  JsonPath path;
  try {
    return json::parse(body_text, [&path](int, json::parse_event_t event, json& parsed) {
      return path.on_event(event, parsed);
    });
  } catch (const json::out_of_range& e) {
    // e.g. 1e400: valid JSON syntax, but no double holds it.
    const std::string where = path.str();
    throw invalid_request("a number in the body is out of range" +
                              (where.empty() ? "" : " at '" + where + "'") +
                              " (numbers must fit a double)",
                          where);
  } catch (const json::exception& e) {
    throw invalid_request(std::string("the body is not valid JSON: ") + e.what());
  }
}

}  // namespace

ApiRequest parse_request(Route route, std::string_view body_text, const RequestLimits& limits) {
  const json body = parse_body(body_text);
  if (!body.is_object()) throw invalid_request("the body must be a JSON object");

  ApiRequest r;
  r.route = route;
  const json* model = field(body, "model");
  if (!model) throw invalid_request("'model' is required", "model");
  if (!model->is_string()) wrong_type("model", "a string", *model);
  r.model = model->get<std::string>();

  if (route == Route::Chat) {
    r.messages = parse_messages(body);
  } else {
    r.prompts = parse_prompts(body, limits.max_prompts);
  }
  r.n = static_cast<int>(integer(body, "n", 1, limits.max_n).value_or(1));
  r.temperature = number(body, "temperature", 1.0, 0.0, 2.0);
  r.top_p = number(body, "top_p", 1.0, 0.0, 1.0);
  if (r.top_p == 0.0) throw invalid_request("'top_p' must be greater than 0", "top_p");
  r.top_k = static_cast<int>(integer(body, "top_k", -1, 1 << 30).value_or(0));
  if (r.top_k < 0) r.top_k = 0;  // vLLM's -1: all tokens
  if (auto seed = integer(body, "seed", INT64_MIN, INT64_MAX)) {
    r.seed = static_cast<std::uint64_t>(*seed);
  }
  r.stop = parse_stop(body, limits.max_stop);

  std::optional<std::int64_t> max_tokens = integer(body, "max_completion_tokens", 1, 1 << 24);
  if (!max_tokens) max_tokens = integer(body, "max_tokens", 1, 1 << 24);
  if (max_tokens) r.max_tokens = static_cast<int>(*max_tokens);

  if (route == Route::Chat) {
    r.logprobs = boolean(body, "logprobs");
    r.top_logprobs =
        static_cast<int>(integer(body, "top_logprobs", 0, limits.max_top_logprobs).value_or(0));
    if (field(body, "top_logprobs") && !r.logprobs) {
      throw invalid_request("'top_logprobs' needs 'logprobs': true", "top_logprobs");
    }
  } else if (auto k = integer(body, "logprobs", 0, limits.max_top_logprobs)) {
    r.logprobs = true;
    r.top_logprobs = static_cast<int>(*k);
  }

  r.stream = boolean(body, "stream");
  if (const json* options = field(body, "stream_options")) {
    if (!options->is_object()) wrong_type("stream_options", "an object", *options);
    r.include_usage = boolean(*options, "include_usage");
  }
  check_work(r, limits);
  r.guided_regex = string_field(body, "guided_regex");
  r.ignore_eos = boolean(body, "ignore_eos");
  r.constraint = string_field(body, "constraint");
  if (!r.guided_regex.empty() && !r.constraint.empty()) {
    throw invalid_request("give 'guided_regex' or 'constraint', not both", "constraint");
  }
  return r;
}

}  // namespace reasonrec::serve
