#include "serve/server.hpp"

#include <pthread.h>

#include <ctime>
#include <exception>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

#include "serve/api_error.hpp"
#include "serve/api_response.hpp"
#include "serve/connection_probe.hpp"
#include "util/constant_time.hpp"
#include "util/error.hpp"

namespace reasonrec::serve {
namespace {

constexpr const char* kJson = "application/json";

void send_error(httplib::Response& res, const ApiError& error) {
  res.status = error.status();
  res.set_content(error.body(), kJson);
}

// Fills the body of a status httplib produced by itself (unknown route, body too large...).
ApiError error_for_status(int status) {
  switch (status) {
    case 404:
      return ApiError(404, "invalid_request_error", "unknown route", {}, "not_found");
    case 405:
      return ApiError(405, "invalid_request_error", "method not allowed");
    case 413:
      return ApiError(413, "invalid_request_error", "the request body is too large", {},
                      "request_too_large");
    default:
      return ApiError(status, "invalid_request_error", "request failed");
  }
}

}  // namespace

struct Server::Impl {
  Impl(Completer& c, ServerOptions o) : completer(c), options(std::move(o)) {}

  Completer& completer;
  ServerOptions options;
  httplib::Server http;
  std::atomic<std::uint64_t> next_id{1};
  std::atomic<std::uint64_t> answered{0};  // completion requests answered with 200
  std::atomic<bool> stopping{false};

  ResponseHeader header_for(Route route, const std::string& model) {
    const std::uint64_t n = next_id.fetch_add(1);
    char id[48];
    std::snprintf(id, sizeof id, "%s-%016llx", route == Route::Chat ? "chatcmpl" : "cmpl",
                  static_cast<unsigned long long>(n));
    return {id, static_cast<std::int64_t>(std::time(nullptr)), model};
  }

  bool authorised(const httplib::Request& req) const {
    if (options.api_key.empty()) return true;
    return constant_time_equals(req.get_header_value("Authorization"), "Bearer " + options.api_key);
  }

  void check_model(const ApiRequest& request) const {
    for (const auto& id : completer.model_ids()) {
      if (id == request.model) return;
    }
    throw ApiError(404, "invalid_request_error", "The model '" + request.model + "' does not exist",
                   "model", "model_not_found");
  }

  void handle(Route route, const httplib::Request& req, httplib::Response& res) {
    try {
      const ApiRequest request = parse_request(route, req.body, options.limits);
      check_model(request);
      // Errors the model finds (prompt too long...) still get their status, streams included.
      Completion completion = completer.prepare(request);
      const ResponseHeader header = header_for(route, request.model);
      if (!request.stream) {
        const int socket = find_connection_socket(
            {req.local_addr, req.local_port, req.remote_addr, req.remote_port});
        const ClientGone gone = [socket] { return socket >= 0 && peer_closed(socket); };
        ApiResult result = completion(nullptr, gone);
        result.header = header;
        res.set_content(response_body(route, result), kJson);
        answered.fetch_add(1);
        return;
      }
      res.set_header("Cache-Control", "no-cache");
      auto shared = std::make_shared<const ApiRequest>(request);
      res.set_chunked_content_provider(
          "text/event-stream",
          [this, route, shared, header, completion](std::size_t, httplib::DataSink& sink) {
            stream(route, *shared, header, completion, sink);
            return true;
          });
      answered.fetch_add(1);
    } catch (const ApiError& e) {
      send_error(res, e);
    } catch (const UsageError& e) {
      send_error(res, invalid_request(e.what()));
    } catch (const std::exception& e) {
      send_error(res, ApiError(500, "server_error", e.what()));
    }
  }

  void stream(Route route, const ApiRequest& request, const ResponseHeader& header,
              const Completion& completion, httplib::DataSink& sink) {
    bool client_here = true;
    std::vector<bool> started(
        static_cast<std::size_t>(request.n) * std::max<std::size_t>(1, request.prompts.size()),
        false);
    auto write = [&](const std::string& event) {
      // A write to a closed connection can still succeed once (the kernel buffers it); the
      // next one, or is_writable's look at the socket, notices.
      if (client_here) client_here = sink.is_writable() && sink.write(event.data(), event.size());
      return client_here;
    };
    StreamSink pieces;
    pieces.piece = [&](const StreamPiece& piece) {
      bool first = false;
      const auto index = static_cast<std::size_t>(piece.index);
      if (piece.index >= 0 && index < started.size() && !started[index]) {
        started[index] = true;
        first = true;
      }
      return write(stream_chunk(route, header, piece.index, piece.text, piece.logprobs,
                                piece.finish_reason, first, piece.text_offset));
    };
    const ClientGone gone = [&] { return !client_here || !sink.is_writable(); };
    try {
      const ApiResult result = completion(&pieces, gone);
      if (request.include_usage) {
        write(stream_usage_chunk(route, header, result.prompt_tokens, result.completion_tokens));
      }
      write(std::string(kStreamDone));
    } catch (const ApiError& e) {
      write("data: " + e.body() + "\n\n");
    } catch (const std::exception& e) {
      write("data: " + ApiError(500, "server_error", e.what()).body() + "\n\n");
    }
    sink.done();
  }

  // Prometheus text exposition format, version 0.0.4.
  std::string metrics_text() const {
    std::vector<Metric> all = completer.metrics();
    all.push_back({"reasonrec_http_completion_requests_total",
                   "Completion requests answered (streamed or not)", Metric::Kind::Counter,
                   static_cast<double>(answered.load())});
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
  const int threads = std::max(1, s.options.threads);
  s.http.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<std::size_t>(threads));
  };
  s.http.set_payload_max_length(s.options.max_body_bytes);
  s.http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/v1/", 0) == 0 && !s.authorised(req)) {
      send_error(res, ApiError(401, "invalid_request_error", "missing or wrong API key", {},
                               "invalid_api_key"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.body.empty()) send_error(res, error_for_status(res.status));
  });
  s.http.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(R"({"status":"ok"})", kJson);
  });
  s.http.Get("/metrics", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_content(s.metrics_text(), "text/plain; version=0.0.4; charset=utf-8");
  });
  s.http.Get("/v1/models", [&s](const httplib::Request&, httplib::Response& res) {
    res.set_content(models_body(s.completer.model_ids(), std::time(nullptr)), kJson);
  });
  s.http.Post("/v1/chat/completions", [&s](const httplib::Request& req, httplib::Response& res) {
    s.handle(Route::Chat, req, res);
  });
  s.http.Post("/v1/completions", [&s](const httplib::Request& req, httplib::Response& res) {
    s.handle(Route::Completion, req, res);
  });
}

Server::~Server() {
  stop();
}

int Server::bind() {
  const auto& o = impl_->options;
  if (o.port == 0) {
    port_ = impl_->http.bind_to_any_port(o.host);
    if (port_ <= 0) throw Error("serve: cannot bind " + o.host + " to any port");
  } else {
    if (!impl_->http.bind_to_port(o.host, o.port)) {
      throw Error("serve: cannot bind " + o.host + ":" + std::to_string(o.port) +
                  " (address in use or not local)");
    }
    port_ = o.port;
  }
  return port_;
}

std::uint64_t Server::requests_answered() const {
  return impl_->answered.load();
}

void Server::run() {
  impl_->http.listen_after_bind();
}

void Server::stop() {
  impl_->stopping = true;
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
