#include "llm/openai_protocol.hpp"

#include <simdjson.h>

#include <nlohmann/json.hpp>

#include "llm/json_writer.hpp"
#include "util/json_string.hpp"

namespace reasonrec::llm {

using nlohmann::json;

namespace {

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
  const auto& p = request.params;
  std::string b;
  std::size_t size = 256 + request.prompt.size();
  for (const auto& m : request.messages) size += m.content.size() + 32;
  b.reserve(size);
  b += "{\"model\":";
  append_json_string(b, request.model, InvalidUtf8::kReplace);
  if (request.api == Api::Chat) {
    b += ",\"messages\":[";
    for (std::size_t i = 0; i < request.messages.size(); ++i) {
      b += i == 0 ? "{\"role\":" : ",{\"role\":";
      append_json_string(b, request.messages[i].role, InvalidUtf8::kReplace);
      b += ",\"content\":";
      append_json_string(b, request.messages[i].content, InvalidUtf8::kReplace);
      b += '}';
    }
    b += ']';
  } else {
    b += ",\"prompt\":";
    append_json_string(b, request.prompt, InvalidUtf8::kReplace);
  }
  b += ",\"max_tokens\":";
  append_json_number(b, static_cast<std::int64_t>(p.max_tokens));
  b += ",\"temperature\":";
  append_json_number(b, p.temperature);
  b += ",\"top_p\":";
  append_json_number(b, p.top_p);
  b += ",\"n\":1";
  if (!p.stop.empty()) {
    b += ",\"stop\":[";
    for (std::size_t i = 0; i < p.stop.size(); ++i) {
      if (i > 0) b += ',';
      append_json_string(b, p.stop[i], InvalidUtf8::kReplace);
    }
    b += ']';
  }
  if (auto seed = sample_seed(p, sample)) {
    b += ",\"seed\":";
    append_json_number(b, *seed);
  }
  if (p.top_logprobs > 0) {
    if (request.api == Api::Chat) {
      b += ",\"logprobs\":true,\"top_logprobs\":";
    } else {
      b += ",\"logprobs\":";
    }
    append_json_number(b, static_cast<std::int64_t>(p.top_logprobs));
  }
  if (stream) b += ",\"stream\":true,\"stream_options\":{\"include_usage\":true}";
  b += '}';
  return b;
}

namespace {

using simdjson::dom::element;

[[noreturn]] void malformed(const std::string& what) {
  throw ProtocolError("malformed body: " + what);
}

std::string_view str_field(element obj, const char* key) {
  std::string_view v;
  return obj[key].get_string().get(v) == simdjson::SUCCESS ? v : std::string_view();
}

std::int64_t int_field(element obj, const char* key) {
  std::int64_t v = 0;
  return obj[key].get_int64().get(v) == simdjson::SUCCESS ? v : 0;
}

double number_field(element obj, const char* key, const char* what) {
  double v = 0;
  if (obj[key].get_double().get(v) != simdjson::SUCCESS)
    malformed(std::string(what) + " not a number");
  return v;
}

void read_chat_logprobs(element logprobs, std::vector<TokenLogprob>& out) {
  simdjson::dom::array content;
  if (logprobs["content"].get_array().get(content) != simdjson::SUCCESS) return;
  for (element t : content) {
    if (!t.is_object()) malformed("logprobs entry not an object");
    TokenLogprob tl;
    tl.token = std::string(str_field(t, "token"));
    tl.logprob = number_field(t, "logprob", "logprob");
    simdjson::dom::array top;
    if (t["top_logprobs"].get_array().get(top) == simdjson::SUCCESS) {
      for (element alt : top) {
        if (!alt.is_object()) malformed("top_logprobs entry not an object");
        tl.top.push_back(
            {std::string(str_field(alt, "token")), number_field(alt, "logprob", "top logprob")});
      }
    }
    out.push_back(std::move(tl));
  }
}

void read_completion_logprobs(element logprobs, std::vector<TokenLogprob>& out) {
  simdjson::dom::array tokens, lps, tops;
  if (logprobs["tokens"].get_array().get(tokens) != simdjson::SUCCESS) return;
  const bool have_lps = logprobs["token_logprobs"].get_array().get(lps) == simdjson::SUCCESS;
  const bool have_tops = logprobs["top_logprobs"].get_array().get(tops) == simdjson::SUCCESS;
  std::size_t i = 0;
  for (element tok : tokens) {
    TokenLogprob tl;
    std::string_view text;
    if (tok.get_string().get(text) == simdjson::SUCCESS) tl.token = std::string(text);
    double lp = 0;
    if (have_lps && lps.at(i).get_double().get(lp) == simdjson::SUCCESS) tl.logprob = lp;
    simdjson::dom::object top;
    if (have_tops && tops.at(i).get_object().get(top) == simdjson::SUCCESS) {
      for (auto field : top) {
        double v = 0;
        if (field.value.get_double().get(v) != simdjson::SUCCESS)
          malformed("top logprob not a number");
        tl.top.push_back({std::string(field.key), v});
      }
    }
    out.push_back(std::move(tl));
    ++i;
  }
}

}  // namespace

struct ResponseParser::Impl {
  simdjson::dom::parser parser;
};

ResponseParser::ResponseParser() : impl_(std::make_unique<Impl>()) {}
ResponseParser::~ResponseParser() = default;

ParsedResponse ResponseParser::parse(Api api, std::string_view body) {
  element root;
  if (impl_->parser.parse(body.data(), body.size()).get(root) != simdjson::SUCCESS) {
    throw ProtocolError("malformed body (not JSON): " + snippet(body));
  }
  if (!root.is_object()) throw ProtocolError("malformed body (not an object): " + snippet(body));
  element error;
  if (root["error"].get(error) == simdjson::SUCCESS && !error.is_null()) {
    throw ProtocolError("error in body: " + snippet(simdjson::to_string(error)));
  }
  simdjson::dom::array choices;
  element choice;
  if (root["choices"].get_array().get(choices) != simdjson::SUCCESS ||
      choices.at(0).get(choice) != simdjson::SUCCESS || !choice.is_object()) {
    malformed("no choices");
  }
  ParsedResponse r;
  r.id = std::string(str_field(root, "id"));
  if (api == Api::Chat) {
    element message, content;
    if (choice["message"].get(message) != simdjson::SUCCESS || !message.is_object()) {
      malformed("choice without message");
    }
    if (message["content"].get(content) == simdjson::SUCCESS && !content.is_null()) {
      std::string_view text;
      if (content.get_string().get(text) != simdjson::SUCCESS)
        malformed("message content not a string");
      r.text = std::string(text);
    }
  } else {
    std::string_view text;
    if (choice["text"].get_string().get(text) != simdjson::SUCCESS)
      malformed("choice without text");
    r.text = std::string(text);
  }
  r.finish_reason = std::string(str_field(choice, "finish_reason"));
  element usage;
  if (root["usage"].get(usage) == simdjson::SUCCESS && usage.is_object()) {
    r.usage.prompt_tokens = int_field(usage, "prompt_tokens");
    r.usage.completion_tokens = int_field(usage, "completion_tokens");
  }
  element logprobs;
  if (choice["logprobs"].get(logprobs) == simdjson::SUCCESS && !logprobs.is_null()) {
    std::vector<TokenLogprob> tokens;
    if (logprobs.is_object()) {
      if (api == Api::Chat) {
        read_chat_logprobs(logprobs, tokens);
      } else {
        read_completion_logprobs(logprobs, tokens);
      }
    }
    r.logprobs = std::move(tokens);
  }
  return r;
}

ParsedResponse parse_response(Api api, std::string_view body) {
  ResponseParser parser;
  return parser.parse(api, body);
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
