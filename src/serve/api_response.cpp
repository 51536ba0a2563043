#include "serve/api_response.hpp"

#include <nlohmann/json.hpp>

namespace reasonrec::serve {
namespace {

using ojson = nlohmann::ordered_json;

std::string dump(const ojson& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ojson byte_values(const std::string& token) {
  ojson bytes = ojson::array();
  for (char c : token) bytes.push_back(static_cast<int>(static_cast<unsigned char>(c)));
  return bytes;
}

// {"content": [{"token", "logprob", "bytes", "top_logprobs": [...]}]}
ojson chat_logprobs(const std::vector<TokenLogprobInfo>& tokens) {
  ojson content = ojson::array();
  for (const auto& t : tokens) {
    ojson top = ojson::array();
    for (const auto& [token, logprob] : t.top) {
      top.push_back({{"token", token}, {"logprob", logprob}, {"bytes", byte_values(token)}});
    }
    content.push_back({{"token", t.token},
                       {"logprob", t.logprob},
                       {"bytes", byte_values(t.token)},
                       {"top_logprobs", top}});
  }
  return {{"content", content}};
}

// {"tokens", "token_logprobs", "top_logprobs": [{token: logprob}], "text_offset"}
ojson completion_logprobs(const std::vector<TokenLogprobInfo>& tokens, std::size_t offset) {
  ojson text_tokens = ojson::array();
  ojson logprobs = ojson::array();
  ojson tops = ojson::array();
  ojson offsets = ojson::array();
  for (const auto& t : tokens) {
    text_tokens.push_back(t.token);
    logprobs.push_back(t.logprob);
    ojson top = ojson::object();
    for (const auto& [token, logprob] : t.top) top[token] = logprob;
    tops.push_back(top);
    offsets.push_back(offset);
    offset += t.token.size();
  }
  return {{"tokens", text_tokens},
          {"token_logprobs", logprobs},
          {"top_logprobs", tops},
          {"text_offset", offsets}};
}

ojson usage(std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  return {{"prompt_tokens", prompt_tokens},
          {"completion_tokens", completion_tokens},
          {"total_tokens", prompt_tokens + completion_tokens}};
}

}  // namespace

std::string response_body(Route route, const ApiResult& result) {
  ojson choices = ojson::array();
  for (std::size_t i = 0; i < result.choices.size(); ++i) {
    const ChoiceResult& c = result.choices[i];
    ojson choice = {{"index", i}};
    ojson logprobs = nullptr;
    if (c.logprobs) {
      logprobs =
          route == Route::Chat ? chat_logprobs(*c.logprobs) : completion_logprobs(*c.logprobs, 0);
    }
    if (route == Route::Chat) {
      choice["message"] = {{"role", "assistant"}, {"content", c.text}};
      choice["logprobs"] = logprobs;
    } else {
      choice["text"] = c.text;
      choice["logprobs"] = logprobs;
    }
    choice["finish_reason"] = c.finish_reason;
    choices.push_back(choice);
  }
  const ojson body = {{"id", result.header.id},
                      {"object", route == Route::Chat ? "chat.completion" : "text_completion"},
                      {"created", result.header.created},
                      {"model", result.header.model},
                      {"choices", choices},
                      {"usage", usage(result.prompt_tokens, result.completion_tokens)}};
  return dump(body);
}

std::string stream_chunk(Route route, const ResponseHeader& header, int index,
                         std::string_view delta, const std::vector<TokenLogprobInfo>* logprobs,
                         const std::optional<std::string>& finish_reason, bool role_first,
                         std::size_t text_offset) {
  ojson choice = {{"index", index}};
  ojson lp = nullptr;
  if (logprobs) {
    lp = route == Route::Chat ? chat_logprobs(*logprobs)
                              : completion_logprobs(*logprobs, text_offset);
  }
  if (route == Route::Chat) {
    ojson d = ojson::object();
    if (role_first) d["role"] = "assistant";
    if (!delta.empty() || !finish_reason) d["content"] = std::string(delta);
    choice["delta"] = d;
  } else {
    choice["text"] = std::string(delta);
  }
  choice["logprobs"] = lp;
  choice["finish_reason"] = finish_reason ? ojson(*finish_reason) : ojson(nullptr);
  const ojson body = {
      {"id", header.id},
      {"object", route == Route::Chat ? "chat.completion.chunk" : "text_completion"},
      {"created", header.created},
      {"model", header.model},
      {"choices", ojson::array({choice})}};
  return "data: " + dump(body) + "\n\n";
}

std::string stream_usage_chunk(Route route, const ResponseHeader& header,
                               std::int64_t prompt_tokens, std::int64_t completion_tokens) {
  const ojson body = {
      {"id", header.id},
      {"object", route == Route::Chat ? "chat.completion.chunk" : "text_completion"},
      {"created", header.created},
      {"model", header.model},
      {"choices", ojson::array()},
      {"usage", usage(prompt_tokens, completion_tokens)}};
  return "data: " + dump(body) + "\n\n";
}

std::string models_body(const std::vector<std::string>& model_ids, std::int64_t created) {
  ojson data = ojson::array();
  for (const auto& id : model_ids) {
    data.push_back(
        {{"id", id}, {"object", "model"}, {"created", created}, {"owned_by", "reasonrec"}});
  }
  return dump(ojson{{"object", "list"}, {"data", data}});
}

}  // namespace reasonrec::serve
