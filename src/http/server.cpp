#include "http/server.hpp"

#include <sys/socket.h>

#include <boost/asio/post.hpp>

#include "http/session.hpp"
#include "http/wire.hpp"
#include "util/error.hpp"

namespace reasonrec::http {
namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

Server::Impl::Impl(ServerOptions o) : options(std::move(o)) {}

Response Server::Impl::error(int status, const std::string& message) const {
  if (make_error) {
    Response response = make_error(status, message);
    response.status = status;
    return response;
  }
  Response response;
  response.status = status;
  response.content_type = "text/plain; charset=utf-8";
  response.body = message + "\n";
  return response;
}

void Server::Impl::accept() {
  acceptor.async_accept([this](const error_code& ec, tcp::socket socket) {
    if (!acceptor.is_open() || stopping) return;
    if (ec) {
      // Out of descriptors, usually: try again shortly instead of spinning.
      accept_retry.expires_after(std::chrono::milliseconds(100));
      accept_retry.async_wait([this](const error_code& wait_error) {
        if (!wait_error) accept();
      });
      return;
    }
    if (sessions.size() >= options.max_connections) {
      refuse(std::move(socket));
    } else {
      auto session = std::make_shared<Session>(*this, std::move(socket));
      sessions.emplace(session.get(), session);
      ++counters.connections_open;
      session->start();
    }
    accept();
  });
}

// Over the connection limit: a best-effort 503 without reading the request, then close.
void Server::Impl::refuse(tcp::socket socket) {
  ++counters.connections_refused;
  Response busy = error(503, "too many connections; retry shortly");
  busy.headers.push_back({"Retry-After", "1"});
  const std::string bytes =
      response_head(busy, Framing::Length, busy.body.size(), false) + busy.body;
  [[maybe_unused]] const auto sent =
      ::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void Server::Impl::shutdown() {
  error_code ignored;
  acceptor.close(ignored);
  accept_retry.cancel();
  std::vector<std::shared_ptr<Session>> open;
  for (auto& [raw, weak] : sessions) {
    if (auto session = weak.lock()) open.push_back(std::move(session));
  }
  for (auto& session : open) session->on_server_stop();
  if (sessions.empty()) work.reset();
}

void Server::Impl::session_closed(Session* session) {
  if (sessions.erase(session) > 0) --counters.connections_open;
  if (stopping && sessions.empty()) work.reset();
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  impl_->workers = std::make_unique<WorkerPool>(
      std::max<std::size_t>(1, impl_->options.worker_threads), impl_->options.max_queued);
}

Server::~Server() {
  stop();
  impl_->workers.reset();  // finishes queued jobs; what they post back is dropped with io
}

void Server::route(std::string method, std::string path, Handler handler, Dispatch dispatch) {
  impl_->router.add(std::move(method), std::move(path), std::move(handler), dispatch);
}

void Server::set_guard(std::function<std::optional<Response>(const Request&)> guard) {
  impl_->guard = std::move(guard);
}

void Server::set_error_response(std::function<Response(int, const std::string&)> make) {
  impl_->make_error = std::move(make);
}

int Server::bind() {
  Impl& s = *impl_;
  error_code ec;
  const auto address = asio::ip::make_address(s.options.host, ec);
  if (ec) throw Error("serve: '" + s.options.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(s.options.port));
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    s.acceptor.close(ignored);
    throw Error("serve: cannot listen on " + s.options.host + ":" + std::to_string(s.options.port) +
                ": " + ec.message());
  }
  s.port = s.acceptor.local_endpoint().port();
  return s.port;
}

int Server::port() const {
  return impl_->port;
}

void Server::run() {
  Impl& s = *impl_;
  if (!s.acceptor.is_open()) bind();
  if (s.stopping) return;
  s.work.emplace(s.io.get_executor());
  s.accept();
  s.io.run();
}

void Server::stop() {
  Impl& s = *impl_;
  if (s.stopping.exchange(true)) return;
  asio::post(s.io, [&s] { s.shutdown(); });
}

ServerStats Server::stats() const {
  const auto& c = impl_->counters;
  return {c.connections_open.load(), c.connections_refused.load(), c.requests.load(),
          c.refused_busy.load(), c.malformed.load()};
}

}  // namespace reasonrec::http
