#include "llm/openai_protocol.hpp"

#include <nlohmann/json.hpp>

namespace reasonrec::llm {

using nlohmann::json;

namespace {

// Reviews carry invalid UTF-8; the server gets U+FFFD rather than a failed request.
std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string snippet(std::string_view body) {
  constexpr std::size_t kMax = 120;
  std::string s(body.substr(0, kMax));
  for (char& c : s) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return body.size() > kMax ? s + "..." : s;
}

std::int64_t int_or_zero(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

std::string string_or_empty(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Usage read_usage(const json& root) {
  Usage usage;
  auto it = root.find("usage");
  if (it != root.end() && it->is_object()) {
    usage.prompt_tokens = int_or_zero(*it, "prompt_tokens");
    usage.completion_tokens = int_or_zero(*it, "completion_tokens");
  }
  return usage;
}

double number(const json& v, const char* what) {
  if (!v.is_number()) throw ProtocolError(std::string("malformed body: ") + what + " not a number");
  return v.get<double>();
}

// Chat form: {"content": [{"token", "logprob", "top_logprobs": [{"token", "logprob"}]}]}.
void append_chat_logprobs(const json& logprobs, std::vector<TokenLogprob>& out) {
  if (!logprobs.is_object()) return;
  auto content = logprobs.find("content");
  if (content == logprobs.end() || !content->is_array()) return;
  for (const auto& t : *content) {
    if (!t.is_object()) throw ProtocolError("malformed body: logprobs entry not an object");
    TokenLogprob tl;
    tl.token = string_or_empty(t, "token");
    tl.logprob = number(t.value("logprob", json()), "logprob");
    if (auto top = t.find("top_logprobs"); top != t.end() && top->is_array()) {
      for (const auto& alt : *top) {
        if (!alt.is_object()) throw ProtocolError("malformed body: top_logprobs entry");
        tl.top.push_back(
            {string_or_empty(alt, "token"), number(alt.value("logprob", json()), "top logprob")});
      }
    }
    out.push_back(std::move(tl));
  }
}

// Completions (legacy) form: {"tokens": [...], "token_logprobs": [...],
// "top_logprobs": [{"tok": lp, ...} or null, ...]}.
void append_completion_logprobs(const json& logprobs, std::vector<TokenLogprob>& out) {
  if (!logprobs.is_object()) return;
  auto tokens = logprobs.find("tokens");
  auto lps = logprobs.find("token_logprobs");
  if (tokens == logprobs.end() || !tokens->is_array()) return;
  auto tops = logprobs.find("top_logprobs");
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    TokenLogprob tl;
    const auto& tok = (*tokens)[i];
    tl.token = tok.is_string() ? tok.get<std::string>() : std::string();
    if (lps != logprobs.end() && lps->is_array() && i < lps->size() && (*lps)[i].is_number()) {
      tl.logprob = (*lps)[i].get<double>();
    }
    if (tops != logprobs.end() && tops->is_array() && i < tops->size() && (*tops)[i].is_object()) {
      for (const auto& [token, lp] : (*tops)[i].items()) {
        tl.top.push_back({token, number(lp, "top logprob")});
      }
    }
    out.push_back(std::move(tl));
  }
}

const json& first_choice(const json& root) {
  auto choices = root.find("choices");
  if (choices == root.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object()) {
    throw ProtocolError("malformed body: no choices");
  }
  return (*choices)[0];
}

json parse_json(std::string_view body) {
  json root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) throw ProtocolError("malformed body (not JSON): " + snippet(body));
  if (!root.is_object()) throw ProtocolError("malformed body (not an object): " + snippet(body));
  if (auto err = root.find("error"); err != root.end() && !err->is_null()) {
    throw ProtocolError("error in body: " + snippet(err->dump()));
  }
  return root;
}

}  // namespace

const char* api_path(Api api) {
  return api == Api::Chat ? "/chat/completions" : "/completions";
}

std::string normalize_base_url(std::string_view url) {
  std::string u(url);
  std::size_t scheme_end = u.find("://");
  if (scheme_end == std::string::npos ||
      (u.compare(0, scheme_end, "http") != 0 && u.compare(0, scheme_end, "https") != 0)) {
    throw UsageError("base URL '" + u + "' must start with http:// or https://");
  }
  while (!u.empty() && u.back() == '/') u.pop_back();
  if (u.size() <= scheme_end + 3)
    throw UsageError("base URL '" + std::string(url) + "' has no host");
  if (u.find('/', scheme_end + 3) == std::string::npos) u += "/v1";
  return u;
}

std::string request_body(const GenerationRequest& request, int sample, bool stream) {
  json body;
  body["model"] = request.model;
  if (request.api == Api::Chat) {
    json messages = json::array();
    for (const auto& m : request.messages) {
      messages.push_back({{"role", m.role}, {"content", m.content}});
    }
    body["messages"] = std::move(messages);
  } else {
    body["prompt"] = request.prompt;
  }
  const auto& p = request.params;
  body["max_tokens"] = p.max_tokens;
  body["temperature"] = p.temperature;
  body["top_p"] = p.top_p;
  body["n"] = 1;
  if (!p.stop.empty()) body["stop"] = p.stop;
  if (auto seed = sample_seed(p, sample)) body["seed"] = *seed;
  if (p.top_logprobs > 0) {
    if (request.api == Api::Chat) {
      body["logprobs"] = true;
      body["top_logprobs"] = p.top_logprobs;
    } else {
      body["logprobs"] = p.top_logprobs;
    }
  }
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  return dump(body);
}

ParsedResponse parse_response(Api api, std::string_view body) {
  const json root = parse_json(body);
  const json& choice = first_choice(root);
  ParsedResponse r;
  r.id = string_or_empty(root, "id");
  if (api == Api::Chat) {
    auto message = choice.find("message");
    if (message == choice.end() || !message->is_object()) {
      throw ProtocolError("malformed body: choice without message");
    }
    auto content = message->find("content");
    if (content != message->end() && !content->is_null() && !content->is_string()) {
      throw ProtocolError("malformed body: message content not a string");
    }
    if (content != message->end() && content->is_string()) r.text = content->get<std::string>();
  } else {
    auto text = choice.find("text");
    if (text == choice.end() || !text->is_string()) {
      throw ProtocolError("malformed body: choice without text");
    }
    r.text = text->get<std::string>();
  }
  r.finish_reason = string_or_empty(choice, "finish_reason");
  r.usage = read_usage(root);
  if (auto lp = choice.find("logprobs"); lp != choice.end() && !lp->is_null()) {
    std::vector<TokenLogprob> tokens;
    if (api == Api::Chat) {
      append_chat_logprobs(*lp, tokens);
    } else {
      append_completion_logprobs(*lp, tokens);
    }
    r.logprobs = std::move(tokens);
  }
  return r;
}

void StreamAccumulator::feed(std::string_view bytes) {
  pending_.append(bytes);
  std::size_t start = 0;
  for (std::size_t nl; (nl = pending_.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(pending_.data() + start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    handle_line(line);
  }
  pending_.erase(0, start);
}

void StreamAccumulator::handle_line(std::string_view line) {
  // Only "data:" lines matter; comments (":"), "event:", "id:" and blank lines do not.
  constexpr std::string_view kData = "data:";
  if (line.substr(0, kData.size()) != kData) return;
  line.remove_prefix(kData.size());
  if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  if (line == "[DONE]") {
    done_ = true;
    return;
  }
  const json event = parse_json(line);
  any_event_ = true;
  if (response_.id.empty()) response_.id = string_or_empty(event, "id");
  if (auto usage = event.find("usage"); usage != event.end() && usage->is_object()) {
    response_.usage = read_usage(event);
  }
  auto choices = event.find("choices");
  if (choices == event.end() || !choices->is_array() || choices->empty()) return;
  const json& choice = (*choices)[0];
  if (!choice.is_object()) throw ProtocolError("malformed event: choice not an object");
  if (api_ == Api::Chat) {
    if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
      response_.text += string_or_empty(*delta, "content");
    }
  } else {
    response_.text += string_or_empty(choice, "text");
  }
  if (auto fr = choice.find("finish_reason"); fr != choice.end() && fr->is_string()) {
    response_.finish_reason = fr->get<std::string>();
  }
  if (auto lp = choice.find("logprobs"); lp != choice.end() && !lp->is_null()) {
    if (!response_.logprobs) response_.logprobs.emplace();
    if (api_ == Api::Chat) {
      append_chat_logprobs(*lp, *response_.logprobs);
    } else {
      append_completion_logprobs(*lp, *response_.logprobs);
    }
  }
}

ParsedResponse StreamAccumulator::finish() const {
  if (!done_) {
    throw ProtocolError(any_event_ ? "stream ended before [DONE]" : "empty stream");
  }
  return response_;
}

}  // namespace reasonrec::llm
