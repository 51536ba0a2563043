#include "serve/server.hpp"

#include <pthread.h>

#include <ctime>
#include <exception>
#include <thread>

#include <fmt/format.h>

#include "serve/api_error.hpp"
#include "serve/api_response.hpp"
#include "util/constant_time.hpp"
#include "util/error.hpp"

namespace reasonrec::serve {
namespace {

constexpr const char* kJson = "application/json";

http::Response json_response(int status, std::string body) {
  http::Response response;
  response.status = status;
  response.content_type = kJson;
  response.body = std::move(body);
  return response;
}

http::Response error_response(const ApiError& error) {
  return json_response(error.status(), error.body());
}

// The errors the HTTP layer answers itself (unknown route, body too large...), in OpenAI's shape.
ApiError error_for_status(int status, const std::string& message) {
  switch (status) {
    case 404:
      return ApiError(404, "invalid_request_error", message, {}, "not_found");
    case 413:
      return ApiError(413, "invalid_request_error", message, {}, "request_too_large");
    case 503:
      return ApiError(503, "server_error", message, {}, "server_busy");
    default:
      return ApiError(status, "invalid_request_error", message);
  }
}

http::ServerOptions http_options(const ServerOptions& o) {
  http::ServerOptions h = o.http;
  h.host = o.host;
  h.port = o.port;
  h.worker_threads = static_cast<std::size_t>(std::max(1, o.threads));
  h.limits.max_body_bytes = o.max_body_bytes;
  return h;
}

}  // namespace

struct Server::Impl {
  Impl(Completer& c, ServerOptions o)
      : completer(c), options(std::move(o)), http(http_options(options)) {}

  Completer& completer;
  ServerOptions options;
  http::Server http;
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<std::uint64_t> answered{0};  // completion requests answered with 200

  ResponseHeader header_for(Route route, const std::string& model) {
    const std::uint64_t n = next_id.fetch_add(1);
    char id[48];
    std::snprintf(id, sizeof id, "%s-%016llx", route == Route::Chat ? "chatcmpl" : "cmpl",
                  static_cast<unsigned long long>(n));
    return {id, static_cast<std::int64_t>(std::time(nullptr)), model};
  }

  bool authorised(const http::Request& req) const {
    if (options.api_key.empty()) return true;
    const auto given = req.header("Authorization");
    return constant_time_equals(given ? std::string(*given) : std::string(),
                                "Bearer " + options.api_key);
  }

  void check_model(const ApiRequest& request) const {
    for (const auto& id : completer.model_ids()) {
      if (id == request.model) return;
    }
    throw ApiError(404, "invalid_request_error", "The model '" + request.model + "' does not exist",
                   "model", "model_not_found");
  }

  // Runs on a worker thread.
  http::Response handle(Route route, const http::Request& req, const http::ClientGone& gone) {
    try {
      const ApiRequest request = parse_request(route, req.body, options.limits);
      check_model(request);
      // Errors the model finds (prompt too long...) still get their status, streams included.
      Completion completion = completer.prepare(request, gone);
      const ResponseHeader header = header_for(route, request.model);
      if (!request.stream) {
        ApiResult result = completion(nullptr, gone);
        result.header = header;
        answered.fetch_add(1);
        return json_response(200, response_body(route, result));
      }
      http::Response response;
      response.content_type = "text/event-stream";
      response.headers.push_back({"Cache-Control", "no-cache"});
      auto shared = std::make_shared<const ApiRequest>(request);
      response.stream = [this, route, shared, header, completion](http::ResponseStream& out) {
        stream(route, *shared, header, completion, out);
      };
      answered.fetch_add(1);
      return response;
    } catch (const ApiError& e) {
      return error_response(e);
    } catch (const UsageError& e) {
      return error_response(invalid_request(e.what()));
    } catch (const std::exception& e) {
      return error_response(ApiError(500, "server_error", e.what()));
    }
  }

  void stream(Route route, const ApiRequest& request, const ResponseHeader& header,
              const Completion& completion, http::ResponseStream& out) {
    std::vector<bool> started(
        static_cast<std::size_t>(request.n) * std::max<std::size_t>(1, request.prompts.size()),
        false);
    StreamSink pieces;
    pieces.piece = [&](const StreamPiece& piece) {
      bool first = false;
      const auto index = static_cast<std::size_t>(piece.index);
      if (piece.index >= 0 && index < started.size() && !started[index]) {
        started[index] = true;
        first = true;
      }
      return out.write(stream_chunk(route, header, piece.index, piece.text, piece.logprobs,
                                    piece.finish_reason, first, piece.text_offset));
    };
    const ClientGone gone = [&] { return out.client_gone(); };
    try {
      const ApiResult result = completion(&pieces, gone);
      if (request.include_usage) {
        out.write(
            stream_usage_chunk(route, header, result.prompt_tokens, result.completion_tokens));
      }
      out.write(kStreamDone);
    } catch (const ApiError& e) {
      out.write("data: " + e.body() + "\n\n");
    } catch (const std::exception& e) {
      out.write("data: " + ApiError(500, "server_error", e.what()).body() + "\n\n");
    }
  }

  // Prometheus text exposition format, version 0.0.4.
  std::string metrics_text() const {
    std::vector<Metric> all = completer.metrics();
    all.push_back({"reasonrec_http_completion_requests_total",
                   "Completion requests answered (streamed or not)", Metric::Kind::Counter,
                   static_cast<double>(answered.load())});
    const http::ServerStats s = http.stats();
    all.push_back({"reasonrec_http_connections_open", "Client connections open",
                   Metric::Kind::Gauge, static_cast<double>(s.connections_open)});
    all.push_back({"reasonrec_http_connections_refused_total",
                   "Connections refused over the connection limit", Metric::Kind::Counter,
                   static_cast<double>(s.connections_refused)});
    all.push_back({"reasonrec_http_requests_busy_total",
                   "Requests answered 503 because the worker queue was full", Metric::Kind::Counter,
                   static_cast<double>(s.requests_refused_busy)});
    all.push_back({"reasonrec_http_requests_malformed_total",
                   "Requests refused while being read (malformed, too large, too slow)",
                   Metric::Kind::Counter, static_cast<double>(s.requests_malformed)});
    std::string out;
    for (const Metric& m : all) {
      out += "# HELP " + m.name + " " + m.help + "\n";
      out += "# TYPE " + m.name + (m.kind == Metric::Kind::Counter ? " counter\n" : " gauge\n");
      out += m.name + " " + fmt::format("{}", m.value) + "\n";
    }
    return out;
  }
};

Server::Server(Completer& completer, ServerOptions options)
    : impl_(std::make_unique<Impl>(completer, std::move(options))) {
  Impl& s = *impl_;
  s.http.set_error_response([](int status, const std::string& message) {
    return error_response(error_for_status(status, message));
  });
  s.http.set_guard([&s](const http::Request& req) -> std::optional<http::Response> {
    if (req.path.rfind("/v1/", 0) == 0 && !s.authorised(req)) {
      return error_response(ApiError(401, "invalid_request_error", "missing or wrong API key", {},
                                     "invalid_api_key"));
    }
    return std::nullopt;
  });
  s.http.route("GET", "/health", [](const http::Request&, const http::ClientGone&) {
    return json_response(200, R"({"status":"ok"})");
  });
  s.http.route("GET", "/metrics", [&s](const http::Request&, const http::ClientGone&) {
    http::Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = s.metrics_text();
    return response;
  });
  s.http.route("GET", "/v1/models", [&s](const http::Request&, const http::ClientGone&) {
    return json_response(200, models_body(s.completer.model_ids(), std::time(nullptr)));
  });
  s.http.route(
      "POST", "/v1/chat/completions",
      [&s](const http::Request& req, const http::ClientGone& gone) {
        return s.handle(Route::Chat, req, gone);
      },
      http::Dispatch::Worker);
  s.http.route(
      "POST", "/v1/completions",
      [&s](const http::Request& req, const http::ClientGone& gone) {
        return s.handle(Route::Completion, req, gone);
      },
      http::Dispatch::Worker);
}

Server::~Server() {
  stop();
}

int Server::bind() {
  return impl_->http.bind();
}

int Server::port() const {
  return impl_->http.port();
}

std::uint64_t Server::requests_answered() const {
  return impl_->answered.load();
}

void Server::run() {
  impl_->http.run();
}

void Server::stop() {
  impl_->http.stop();
}

TerminationSignals::TerminationSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int TerminationSignals::wait() {
  int received = 0;
  sigwait(&set_, &received);
  return received;
}

int run_until_signal(Server& server, TerminationSignals& signals) {
  std::thread serving([&server] { server.run(); });
  const int received = signals.wait();
  server.stop();
  serving.join();
  return received;
}

}  // namespace reasonrec::serve
