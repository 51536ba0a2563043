#include "fake_openai_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <queue>
#include <stdexcept>
#include <unordered_map>

namespace reasonrec::test {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

const char* fault_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::None:
      return "none";
    case FaultKind::RateLimit:
      return "rate_limit";
    case FaultKind::ServerError:
      return "server_error";
    case FaultKind::Slow:
      return "slow";
    case FaultKind::Reset:
      return "reset";
    case FaultKind::TruncatedBody:
      return "truncated_body";
    case FaultKind::TruncatedJson:
      return "truncated_json";
    case FaultKind::WrongContentType:
      return "wrong_content_type";
    case FaultKind::HangUp:
      return "hang_up";
  }
  return "?";
}

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {

constexpr const char* kWords[] = {"floral",     "gentle",    "moisturising", "fragrance",
                                  "value",      "packaging", "skin",         "reliable",
                                  "brand",      "texture",   "scent",        "price",
                                  "repurchase", "sensitive", "quality",      "lasting"};

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

// Splits text into tokens: a newline alone, or a run of non-space characters with the spaces
// before it.
std::vector<std::string> tokenize(const std::string& text) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '\n') {
      tokens.push_back("\n");
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < text.size() && text[j] == ' ') ++j;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n') ++j;
    tokens.push_back(text.substr(i, j - i));
    i = j;
  }
  return tokens;
}

std::string status_text(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 404:
      return "Not Found";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string http_response(int status, const std::string& content_type, const std::string& body,
                          const std::string& extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + status_text(status) +
         "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" +
         body;
}

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json top_entries(const FakeAnswer& a, std::size_t position, int k, bool chat) {
  // At the rating token: the five digits by probability, then a newline; elsewhere the token
  // itself and a filler.
  std::vector<std::pair<std::string, double>> alts;
  if (position == a.rating_token) {
    for (int d = 1; d <= 5; ++d) alts.push_back({std::to_string(d), a.rating_logprobs[d - 1]});
    std::stable_sort(alts.begin(), alts.end(),
                     [](const auto& x, const auto& y) { return x.second > y.second; });
    alts.push_back({"\n", -9.0});
  } else {
    alts.push_back({a.tokens[position], -0.01});
    alts.push_back({" the", -5.0});
  }
  if (static_cast<int>(alts.size()) > k) alts.resize(static_cast<std::size_t>(k));
  if (chat) {
    json out = json::array();
    for (const auto& [t, lp] : alts)
      out.push_back({{"token", t}, {"logprob", lp}, {"bytes", nullptr}});
    return out;
  }
  json out = json::object();
  for (const auto& [t, lp] : alts) out[t] = lp;
  return out;
}

double chosen_logprob(const FakeAnswer& a, std::size_t position) {
  return position == a.rating_token ? a.rating_logprobs[a.rating - 1] : -0.01;
}

json chat_logprobs(const FakeAnswer& a, std::size_t from, std::size_t to, int k) {
  json content = json::array();
  for (std::size_t i = from; i < to; ++i) {
    content.push_back({{"token", a.tokens[i]},
                       {"logprob", chosen_logprob(a, i)},
                       {"bytes", nullptr},
                       {"top_logprobs", top_entries(a, i, k, true)}});
  }
  return {{"content", content}};
}

json completion_logprobs(const FakeAnswer& a, std::size_t from, std::size_t to, int k) {
  json tokens = json::array(), lps = json::array(), tops = json::array();
  for (std::size_t i = from; i < to; ++i) {
    tokens.push_back(a.tokens[i]);
    lps.push_back(chosen_logprob(a, i));
    tops.push_back(top_entries(a, i, k, false));
  }
  return {{"tokens", tokens}, {"token_logprobs", lps}, {"top_logprobs", tops}};
}

// The normal answer to a POST: a JSON body or an event stream.
struct Answer {
  std::string content_type;
  std::string body;
  std::string text;  // the generated text
  std::array<double, 5> rating_logprobs{};
};

Answer answer_request(const std::string& path, const std::string& body, std::uint64_t body_hash) {
  const json request = json::parse(body, nullptr, false);
  const bool chat = path == "/v1/chat/completions";
  if (request.is_discarded() || !request.is_object() || !request.contains("model")) {
    return {"application/json",
            R"({"error":{"message":"bad request","type":"invalid_request_error"}})",
            "",
            {}};
  }
  const FakeAnswer a = fake_answer(request);
  const int max_tokens = request.value("max_tokens", 1 << 20);
  std::size_t count = a.tokens.size();
  std::string finish = "stop";
  if (max_tokens >= 0 && static_cast<std::size_t>(max_tokens) < count) {
    count = static_cast<std::size_t>(max_tokens);
    finish = "length";
  }
  int k = 0;
  if (chat && request.value("logprobs", false)) k = request.value("top_logprobs", 0);
  if (!chat && request.contains("logprobs") && request["logprobs"].is_number_integer()) {
    k = request["logprobs"].get<int>();
  }
  const bool want_logprobs = chat ? request.value("logprobs", false) : k > 0;
  char id[40];
  std::snprintf(id, sizeof id, "%s-%016llx", chat ? "chatcmpl" : "cmpl",
                static_cast<unsigned long long>(body_hash));
  const json usage = {{"prompt_tokens", a.prompt_tokens},
                      {"completion_tokens", count},
                      {"total_tokens", a.prompt_tokens + count}};
  const std::string model = request["model"].is_string() ? request["model"].get<std::string>() : "";
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text += a.tokens[i];

  if (!request.value("stream", false)) {
    json choice = {{"index", 0}, {"finish_reason", finish}};
    if (chat) {
      choice["message"] = {{"role", "assistant"}, {"content", text}};
      choice["logprobs"] = want_logprobs ? chat_logprobs(a, 0, count, k) : json(nullptr);
    } else {
      choice["text"] = text;
      choice["logprobs"] = want_logprobs ? completion_logprobs(a, 0, count, k) : json(nullptr);
    }
    json out = {{"id", id},
                {"object", chat ? "chat.completion" : "text_completion"},
                {"created", 1700000000},
                {"model", model},
                {"choices", json::array({choice})},
                {"usage", usage}};
    return {"application/json", dump(out), text, a.rating_logprobs};
  }
  // Server-sent events: one token per event, then the finish reason, the usage, [DONE].
  std::string events;
  auto event = [&](const json& j) { events += "data: " + dump(j) + "\n\n"; };
  const char* object = chat ? "chat.completion.chunk" : "text_completion";
  for (std::size_t i = 0; i < count; ++i) {
    json choice = {{"index", 0}, {"finish_reason", nullptr}};
    if (chat) {
      choice["delta"] = {{"content", a.tokens[i]}};
      if (want_logprobs) choice["logprobs"] = chat_logprobs(a, i, i + 1, k);
    } else {
      choice["text"] = a.tokens[i];
      if (want_logprobs) choice["logprobs"] = completion_logprobs(a, i, i + 1, k);
    }
    event({{"id", id}, {"object", object}, {"model", model}, {"choices", json::array({choice})}});
  }
  json last = {{"index", 0}, {"finish_reason", finish}};
  if (chat) last["delta"] = json::object();
  if (!chat) last["text"] = "";
  event({{"id", id}, {"object", object}, {"model", model}, {"choices", json::array({last})}});
  event({{"id", id},
         {"object", object},
         {"model", model},
         {"choices", json::array()},
         {"usage", usage}});
  events += "data: [DONE]\n\n";
  return {"text/event-stream", events, text, a.rating_logprobs};
}

}  // namespace

FakeAnswer fake_answer(const json& request) {
  std::string identity = request.value("model", std::string()) + '\x1f';
  std::uint64_t words = 0;
  if (auto m = request.find("messages"); m != request.end() && m->is_array()) {
    for (const auto& msg : *m) {
      const std::string content = msg.value("content", std::string());
      identity += msg.value("role", std::string()) + '\x1e' + content + '\x1f';
      words += static_cast<std::uint64_t>(tokenize(content).size());
    }
  }
  if (auto p = request.find("prompt"); p != request.end() && p->is_string()) {
    identity += p->get<std::string>();
    words += tokenize(p->get<std::string>()).size();
  }
  if (auto s = request.find("seed"); s != request.end() && s->is_number_unsigned()) {
    identity += "seed=" + std::to_string(s->get<std::uint64_t>());
  }
  const std::uint64_t h = fnv1a(identity);
  FakeAnswer a;
  a.rating = static_cast<int>(mix(h) % 5) + 1;
  std::string text = "### Reason ###\nThe user values";
  std::uint64_t bits = mix(h ^ 0x5bd1e995);
  const int n_words = 4 + static_cast<int>(bits % 5);
  for (int i = 0; i < n_words; ++i) {
    bits = mix(bits + static_cast<std::uint64_t>(i));
    text += std::string(" ") + kWords[bits % 16];
  }
  text += ".\n### Rating ###\n" + std::to_string(a.rating);
  a.tokens = tokenize(text);
  a.rating_token = a.tokens.size() - 1;
  // A peaked distribution around the rating, with hash-dependent spread; log-softmax.
  const double spread = 0.5 + static_cast<double>(mix(h ^ 0x1234) % 100) / 100.0;
  double logits[5], max = -1e9;
  for (int d = 1; d <= 5; ++d) {
    logits[d - 1] = -spread * (d - a.rating) * (d - a.rating);
    max = std::max(max, logits[d - 1]);
  }
  double z = 0;
  for (double l : logits) z += std::exp(l - max);
  for (int d = 0; d < 5; ++d)
    a.rating_logprobs[static_cast<std::size_t>(d)] = logits[d] - max - std::log(z);
  a.prompt_tokens = words;
  return a;
}

struct FakeOpenAIServer::Loop {
  struct Conn {
    int fd = -1;
    std::uint64_t id = 0;
    std::string in;
    std::string out;
    std::size_t out_sent = 0;
    bool waiting = false;      // a delayed action is pending
    bool close_after = false;  // after `out` is sent
    bool reset_after = false;
    bool want_write = false;
    std::size_t log_index = SIZE_MAX;  // request whose answer is in `out`
    bool answer_counts = false;
  };
  struct Action {
    std::string bytes;
    bool close = false;
    bool reset = false;
    std::size_t log_index = SIZE_MAX;
    bool answer_counts = false;  // a complete successful answer
    std::chrono::milliseconds delay{0};
  };
  struct Timer {
    Clock::time_point due;
    int fd;
    std::uint64_t conn_id;
    std::shared_ptr<Action> action;
    bool operator>(const Timer& o) const { return due > o.due; }
  };

  FakeServerOptions options;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  std::atomic<bool> stopping{false};
  std::unordered_map<int, Conn> conns;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers;
  std::uint64_t next_id = 1;

  mutable std::mutex mutex;  // guards log, counts, faults, latency
  std::vector<ServedRequest> log;
  std::size_t total = 0;
  std::unordered_map<std::uint64_t, int> seen;
  std::string canned_http;  // the whole canned answer, built once

  void add(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
  }
  void set_events(Conn& c, bool write) {
    if (c.want_write == write) return;
    c.want_write = write;
    epoll_event ev{};
    ev.events = EPOLLIN | (write ? EPOLLOUT : 0u);
    ev.data.fd = c.fd;
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
  }
  void close_conn(int fd, bool reset) {
    if (reset) {
      linger l{1, 0};  // close with RST instead of FIN
      setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    ::close(fd);
    conns.erase(fd);
  }

  void accept_all() {
    for (;;) {
      const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      Conn c;
      c.fd = fd;
      c.id = next_id++;
      conns[fd] = std::move(c);
      add(fd, EPOLLIN);
    }
  }

  // Sends what is queued; false when the connection was closed.
  bool flush(Conn& c) {
    while (c.out_sent < c.out.size()) {
      const ssize_t n =
          ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          set_events(c, true);
          return true;
        }
        close_conn(c.fd, false);
        return false;
      }
      c.out_sent += static_cast<std::size_t>(n);
    }
    c.out.clear();
    c.out_sent = 0;
    set_events(c, false);
    if (c.log_index != SIZE_MAX && c.answer_counts) {
      std::lock_guard<std::mutex> lock(mutex);
      log[c.log_index].answered = true;
    }
    c.log_index = SIZE_MAX;
    if (c.close_after || c.reset_after) {
      close_conn(c.fd, c.reset_after);
      return false;
    }
    return true;
  }

  void apply(Conn& c, Action& a) {
    c.waiting = false;
    c.out += a.bytes;
    c.close_after = a.close;
    c.reset_after = a.reset;
    c.log_index = a.log_index;
    c.answer_counts = a.answer_counts;
    const int fd = c.fd;
    if (flush(c) && conns.count(fd)) process(conns[fd]);
  }

  // Handles every complete request in the input buffer (one at a time: an answer may wait).
  void process(Conn& c) {
    while (!c.waiting && c.out.empty()) {
      const std::size_t header_end = c.in.find("\r\n\r\n");
      if (header_end == std::string::npos) return;
      const std::string head = c.in.substr(0, header_end);
      std::size_t content_length = 0;
      bool expect_continue = false, close = false;
      std::string lower = head;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (auto p = lower.find("\r\ncontent-length:"); p != std::string::npos) {
        content_length = std::strtoull(lower.c_str() + p + 17, nullptr, 10);
      }
      if (lower.find("\r\nexpect: 100-continue") != std::string::npos) expect_continue = true;
      if (lower.find("\r\nconnection: close") != std::string::npos) close = true;
      if (c.in.size() < header_end + 4 + content_length) {
        if (expect_continue && c.in.size() == header_end + 4) {
          c.out = "HTTP/1.1 100 Continue\r\n\r\n";
          flush(c);
        }
        return;
      }
      const std::string body = c.in.substr(header_end + 4, content_length);
      c.in.erase(0, header_end + 4 + content_length);
      const std::size_t sp1 = head.find(' ');
      const std::size_t sp2 = head.find(' ', sp1 + 1);
      const std::string method = head.substr(0, sp1);
      const std::string path = head.substr(sp1 + 1, sp2 - sp1 - 1);
      auto action =
          std::make_shared<Action>(decide(method, path, header_value(head, "authorization"), body));
      action->close = action->close || close;
      if (action->delay.count() > 0) {
        c.waiting = true;
        timers.push({Clock::now() + action->delay, c.fd, c.id, action});
        return;
      }
      const int fd = c.fd;
      c.out += action->bytes;
      c.close_after = action->close;
      c.reset_after = action->reset;
      c.log_index = action->log_index;
      c.answer_counts = action->answer_counts;
      if (!flush(c) || !conns.count(fd)) return;
    }
  }

  // The value of a header (name in lower case), "" when absent.
  static std::string header_value(const std::string& head, const std::string& name) {
    std::size_t line = head.find("\r\n");
    while (line != std::string::npos) {
      const std::size_t start = line + 2;
      const std::size_t end = head.find("\r\n", start);
      const std::string text = head.substr(start, end == std::string::npos ? end : end - start);
      const std::size_t colon = text.find(':');
      if (colon == name.size()) {
        std::string key = text.substr(0, colon);
        for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        if (key == name) {
          const std::size_t value = text.find_first_not_of(' ', colon + 1);
          return value == std::string::npos ? "" : text.substr(value);
        }
      }
      line = end;
    }
    return "";
  }

  Action decide(const std::string& method, const std::string& path,
                const std::string& authorization, const std::string& body) {
    Action a;
    if (method == "GET" && path == "/v1/models") {
      a.bytes = http_response(200, "application/json",
                              R"({"object":"list","data":[{"id":"fake","object":"model"}]})");
      return a;
    }
    if (method != "POST" || (path != "/v1/chat/completions" && path != "/v1/completions")) {
      a.bytes = http_response(404, "application/json", R"({"error":{"message":"not found"}})");
      return a;
    }
    if (!options.canned_response.empty()) {
      if (canned_http.empty())
        canned_http = http_response(200, "application/json", options.canned_response);
      a.bytes = canned_http;
      if (options.record) {
        std::lock_guard<std::mutex> lock(mutex);
        ++total;
      }
      return a;
    }
    RequestInfo info;
    info.body_hash = fnv1a(body);
    info.path = path;
    FaultScript script;
    std::chrono::milliseconds latency;
    {
      std::lock_guard<std::mutex> lock(mutex);
      info.nth = seen[info.body_hash]++;
      info.index = total++;
      script = options.faults;
      latency = options.latency;
    }
    const Fault fault = script ? script(info) : Fault{};
    {
      std::lock_guard<std::mutex> lock(mutex);
      a.log_index = log.size();
      test::ServedRequest served;
      served.body_hash = info.body_hash;
      served.path = path;
      served.authorization = authorization;
      served.fault = fault.kind;
      log.push_back(std::move(served));
    }
    a.delay = latency;
    switch (fault.kind) {
      case FaultKind::None:
      case FaultKind::Slow: {
        const Answer ans = answer_request(path, body, info.body_hash);
        a.bytes = http_response(200, ans.content_type, ans.body);
        a.answer_counts = true;
        std::lock_guard<std::mutex> lock(mutex);
        log[a.log_index].text = ans.text;
        log[a.log_index].rating_logprobs = ans.rating_logprobs;
        if (fault.kind == FaultKind::Slow) a.delay = fault.delay;
        break;
      }
      case FaultKind::RateLimit: {
        std::string headers;
        if (!fault.retry_after.empty()) headers += "Retry-After: " + fault.retry_after + "\r\n";
        if (!fault.retry_after_ms.empty())
          headers += "retry-after-ms: " + fault.retry_after_ms + "\r\n";
        a.bytes = http_response(429, "application/json",
                                R"({"error":{"message":"Rate limit reached","type":"requests"}})",
                                headers);
        break;
      }
      case FaultKind::ServerError:
        a.bytes = http_response(
            fault.status, "application/json",
            R"({"error":{"message":"The server had an error","type":"server_error"}})");
        break;
      case FaultKind::Reset:
        a.reset = true;
        break;
      case FaultKind::TruncatedBody: {
        const Answer ans = answer_request(path, body, info.body_hash);
        const std::string full = http_response(200, ans.content_type, ans.body);
        a.bytes = full.substr(0, full.size() - ans.body.size() / 2);
        a.close = true;
        break;
      }
      case FaultKind::TruncatedJson: {
        const Answer ans = answer_request(path, body, info.body_hash);
        a.bytes = http_response(200, "application/json", ans.body.substr(0, ans.body.size() / 2));
        break;
      }
      case FaultKind::WrongContentType:
        a.bytes = http_response(200, "text/html",
                                "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>");
        break;
      case FaultKind::HangUp:
        a.close = true;
        break;
    }
    return a;
  }

  void run() {
    epoll_event events[256];
    while (!stopping.load()) {
      int timeout = 100;
      if (!timers.empty()) {
        const auto wait =
            std::chrono::ceil<std::chrono::milliseconds>(timers.top().due - Clock::now()).count();
        timeout = static_cast<int>(std::clamp<long long>(wait, 0, 100));
      }
      const int n = epoll_wait(epoll_fd, events, 256, timeout);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd) {
          accept_all();
          continue;
        }
        if (fd == wake_fd) {
          std::uint64_t v;
          [[maybe_unused]] auto r = ::read(wake_fd, &v, sizeof v);
          continue;
        }
        auto it = conns.find(fd);
        if (it == conns.end()) continue;
        Conn& c = it->second;
        if (events[i].events & EPOLLOUT) {
          if (!flush(c)) continue;
        }
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
          char buffer[65536];
          bool closed = false;
          for (;;) {
            const ssize_t r = ::recv(fd, buffer, sizeof buffer, 0);
            if (r > 0) {
              c.in.append(buffer, static_cast<std::size_t>(r));
              continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) closed = true;
            break;
          }
          if (closed) {
            close_conn(fd, false);
            continue;
          }
          process(c);
        }
      }
      const auto now = Clock::now();
      while (!timers.empty() && timers.top().due <= now) {
        Timer t = timers.top();
        timers.pop();
        auto it = conns.find(t.fd);
        if (it == conns.end() || it->second.id != t.conn_id) continue;  // the client left
        apply(it->second, *t.action);
      }
    }
    for (auto it = conns.begin(); it != conns.end(); it = conns.begin())
      close_conn(it->first, false);
  }
};

FakeOpenAIServer::FakeOpenAIServer(FakeServerOptions options) : loop_(std::make_unique<Loop>()) {
  // libcurl honours http_proxy & co.; a proxy must never see the requests to this server.
  setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  setenv("no_proxy", "127.0.0.1,localhost", 1);
  loop_->options = std::move(options);
  Loop& l = *loop_;
  l.listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(l.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(l.listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(l.listen_fd, 4096) != 0) {
    throw std::runtime_error("FakeOpenAIServer: cannot listen on 127.0.0.1");
  }
  socklen_t len = sizeof addr;
  getsockname(l.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  l.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  l.wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  l.add(l.listen_fd, EPOLLIN);
  l.add(l.wake_fd, EPOLLIN);
  thread_ = std::thread([this] { loop_->run(); });
}

FakeOpenAIServer::~FakeOpenAIServer() {
  stop();
  if (loop_->epoll_fd >= 0) ::close(loop_->epoll_fd);
  if (loop_->wake_fd >= 0) ::close(loop_->wake_fd);
}

void FakeOpenAIServer::stop() {
  if (!thread_.joinable()) return;
  loop_->stopping = true;
  std::uint64_t one = 1;
  [[maybe_unused]] auto r = ::write(loop_->wake_fd, &one, sizeof one);
  thread_.join();
  ::close(loop_->listen_fd);
  loop_->listen_fd = -1;
}

std::string FakeOpenAIServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeOpenAIServer::set_faults(FaultScript script) {
  std::lock_guard<std::mutex> lock(loop_->mutex);
  loop_->options.faults = std::move(script);
}

void FakeOpenAIServer::set_latency(std::chrono::milliseconds latency) {
  std::lock_guard<std::mutex> lock(loop_->mutex);
  loop_->options.latency = latency;
}

std::vector<ServedRequest> FakeOpenAIServer::requests() const {
  std::lock_guard<std::mutex> lock(loop_->mutex);
  return loop_->log;
}

std::size_t FakeOpenAIServer::request_count() const {
  std::lock_guard<std::mutex> lock(loop_->mutex);
  return loop_->total;
}

}  // namespace reasonrec::test
