#include "http/session.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <exception>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "http/wire.hpp"

namespace reasonrec::http {
namespace asio = boost::asio;
using boost::system::error_code;
using Clock = std::chrono::steady_clock;

void Exchange::mark_gone() {
  {
    std::lock_guard lock(mutex);
    gone = true;
  }
  drained.notify_all();
}

namespace {

// The worker side of a streamed response: chunks go through the exchange to the I/O thread.
class ExchangeStream final : public ResponseStream {
 public:
  ExchangeStream(std::shared_ptr<Session> session, std::shared_ptr<Exchange> exchange,
                 asio::io_context& io, std::size_t limit, bool head_only)
      : session_(std::move(session)),
        exchange_(std::move(exchange)),
        io_(io),
        limit_(limit),
        head_only_(head_only) {}

  bool write(std::string_view data) override {
    if (head_only_ || data.empty()) return !client_gone();
    return push(chunk(data), false);
  }
  bool client_gone() const override { return exchange_->gone.load(); }

  bool push(std::string bytes, bool last) {
    std::unique_lock lock(exchange_->mutex);
    // The head and the last chunk are queued whatever the backlog: they are small and bound
    // the exchange.
    if (!last && !exchange_->pending.empty()) {
      exchange_->drained.wait(lock,
                              [&] { return exchange_->gone || exchange_->buffered < limit_; });
    }
    if (exchange_->gone) return false;
    exchange_->buffered += bytes.size();
    exchange_->pending += bytes;
    if (last) exchange_->finished = true;
    const bool post = !exchange_->flush_posted;
    exchange_->flush_posted = true;
    lock.unlock();
    if (post) asio::post(io_, [session = session_] { session->flush_stream(); });
    return true;
  }

 private:
  std::shared_ptr<Session> session_;
  std::shared_ptr<Exchange> exchange_;
  asio::io_context& io_;
  std::size_t limit_;
  bool head_only_;
};

}  // namespace

Session::Session(Server::Impl& server, asio::ip::tcp::socket socket)
    : server_(server),
      socket_(std::move(socket)),
      timer_(server.io),
      reader_(server.options.limits) {
  error_code ec;
  const auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);  // streamed pieces go out at once
}

void Session::start() {
  read_next();
}

void Session::on_server_stop() {
  keep_alive_ = false;
  if (!exchange_ && !writing_) close();
}

void Session::arm_timer(Clock::time_point deadline, std::function<void()> on_expiry) {
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_at(deadline);
  timer_.async_wait([self = shared_from_this(), generation,
                     on_expiry = std::move(on_expiry)](const error_code& ec) {
    if (ec || self->closed_ || generation != self->timer_generation_) return;
    on_expiry();
  });
}

void Session::disarm_timer() {
  ++timer_generation_;
  timer_.cancel();
}

void Session::read_next() {
  reader_.reset();
  continue_sent_ = false;
  read_timed_out_ = false;
  process();  // a pipelined request may already be here
}

void Session::wait_for_bytes() {
  if (closed_) return;
  const auto deadline =
      reader_.started() ? request_deadline_ : Clock::now() + server_.options.idle_timeout;
  arm_timer(deadline, [this] {
    read_timed_out_ = true;
    error_code ignored;
    socket_.cancel(ignored);  // on_read then answers 408 or closes
  });
  socket_.async_read_some(
      asio::buffer(read_buffer_),
      [self = shared_from_this()](const error_code& ec, std::size_t n) { self->on_read(ec, n); });
}

void Session::on_read(const error_code& ec, std::size_t bytes) {
  if (closed_) return;
  if (ec) {
    if (read_timed_out_ && reader_.started()) {
      ++server_.counters.malformed;
      keep_alive_ = false;
      refused_ = true;
      send(server_.error(408, "the request did not arrive within " +
                                  std::to_string(server_.options.request_timeout.count()) + " ms"));
      return;
    }
    close();
    return;
  }
  input_.append(read_buffer_.data(), bytes);
  process();
}

void Session::process() {
  if (closed_) return;
  const bool was_started = reader_.started();
  const RequestReader::State state = reader_.feed(input_);
  if (!was_started && reader_.started()) {
    request_deadline_ = Clock::now() + server_.options.request_timeout;
  }
  switch (state) {
    case RequestReader::State::NeedMore:
      if (reader_.wants_continue() && !continue_sent_) {
        continue_sent_ = true;
        write(std::string(kContinue), [this] { wait_for_bytes(); });
        return;
      }
      wait_for_bytes();
      return;
    case RequestReader::State::Failed:
      ++server_.counters.malformed;
      keep_alive_ = false;
      refused_ = true;  // the rest of the stream cannot be trusted
      send(server_.error(reader_.error_status(), reader_.error_message()));
      return;
    case RequestReader::State::Done:
      disarm_timer();
      keep_alive_ = reader_.keep_alive() && !server_.stopping;
      dispatch(reader_.take());
      return;
  }
}

void Session::dispatch(Request request) {
  ++server_.counters.requests;
  request.remote_address = remote_address_;
  head_only_ = request.method == "HEAD";
  if (server_.guard) {
    if (auto refused = server_.guard(request)) {
      send(std::move(*refused));
      return;
    }
  }
  const Router::Match match = server_.router.match(request.method, request.path);
  if (!match.handler) {
    if (match.allow.empty()) {
      send(server_.error(404, "no route for " + request.path));
      return;
    }
    Response refused = server_.error(405, "method " + request.method + " is not allowed on " +
                                              request.path + " (allowed: " + match.allow + ")");
    refused.headers.push_back({"Allow", match.allow});
    send(std::move(refused));
    return;
  }
  if (match.dispatch == Dispatch::Worker) {
    hand_to_worker(*match.handler, std::move(request));
    return;
  }
  Response response;
  try {
    response = (*match.handler)(request, [] { return false; });
  } catch (const std::exception& e) {
    response = server_.error(500, e.what());
  }
  if (response.stream) response = server_.error(500, "a streamed response needs a worker route");
  send(std::move(response));
}

void Session::hand_to_worker(const Handler& handler, Request request) {
  auto exchange = std::make_shared<Exchange>();
  exchange_ = exchange;
  auto job = [self = shared_from_this(), exchange, &handler, request = std::move(request),
              &io = server_.io, limit = server_.options.stream_buffer_bytes, head_only = head_only_,
              keep_alive = keep_alive_] {
    Response response;
    try {
      response = handler(request, [exchange] { return exchange->gone.load(); });
    } catch (const std::exception& e) {
      response = self->server_.error(500, e.what());
    }
    if (!response.stream) {
      asio::post(io, [self, response = std::move(response)]() mutable {
        self->send(std::move(response));
      });
      return;
    }
    auto writer = std::move(response.stream);
    response.stream = nullptr;
    ExchangeStream stream(self, exchange, io, limit, head_only);
    if (!stream.push(response_head(response, Framing::Chunked, 0, keep_alive), false)) return;
    try {
      writer(stream);
    } catch (const std::exception&) {
      // The body is already under way: the client sees it end without the last chunk.
      exchange->mark_gone();
      asio::post(io, [self] { self->flush_stream(); });
      return;
    }
    stream.push(std::string(kLastChunk), true);
  };
  if (!server_.workers->try_submit(std::move(job))) {
    exchange_.reset();
    ++server_.counters.refused_busy;
    Response busy = server_.error(503, "the server is busy; retry shortly");
    busy.headers.push_back({"Retry-After", "1"});
    send(std::move(busy));
    return;
  }
  watch_for_hangup();
}

// While a worker handles the request, a readable socket means the client hung up (or sent a
// pipelined request, which is left alone).
void Session::watch_for_hangup() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this(), exchange = exchange_](const error_code& ec) {
                       if (ec || self->closed_ || self->exchange_ != exchange) return;
                       char byte = 0;
                       const auto n =
                           ::recv(self->socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
                       if (n > 0) return;
                       if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
                         self->watch_for_hangup();
                         return;
                       }
                       exchange->mark_gone();
                       self->close();
                     });
}

void Session::send(Response response) {
  if (closed_) return;
  if (exchange_) {
    exchange_.reset();
    error_code ignored;
    socket_.cancel(ignored);  // the hang-up watch
  }
  if (server_.stopping) keep_alive_ = false;
  std::string bytes = response_head(response, Framing::Length, response.body.size(), keep_alive_);
  if (!head_only_) bytes += response.body;
  write(std::move(bytes), [this] { after_response(); });
}

void Session::flush_stream() {
  if (closed_ || writing_ || !exchange_) return;
  const std::shared_ptr<Exchange> exchange = exchange_;
  std::string bytes;
  bool last = false;
  {
    std::lock_guard lock(exchange->mutex);
    bytes.swap(exchange->pending);
    exchange->flush_posted = false;
    last = exchange->finished;
  }
  if (exchange->gone) {
    close();
    return;
  }
  if (bytes.empty()) return;
  const std::size_t size = bytes.size();
  write(std::move(bytes), [this, exchange, size, last] {
    {
      std::lock_guard lock(exchange->mutex);
      exchange->buffered -= size;
    }
    exchange->drained.notify_all();
    if (!last) {
      flush_stream();
      return;
    }
    exchange_.reset();
    error_code ignored;
    socket_.cancel(ignored);  // the hang-up watch
    after_response();
  });
}

void Session::write(std::string bytes, std::function<void()> then) {
  writing_ = true;
  arm_timer(Clock::now() + server_.options.write_timeout, [this] { close(); });
  auto buffer = std::make_shared<std::string>(std::move(bytes));
  asio::async_write(socket_, asio::buffer(*buffer),
                    [self = shared_from_this(), buffer, then = std::move(then)](
                        const error_code& ec, std::size_t) {
                      self->writing_ = false;
                      if (self->closed_) return;
                      self->disarm_timer();
                      if (ec) {
                        self->close();
                        return;
                      }
                      then();
                    });
}

void Session::after_response() {
  if (closed_) return;
  if (keep_alive_ && !server_.stopping) {
    read_next();
    return;
  }
  close_gracefully();
}

// After a refused request (or with bytes still unread), half-closes, then drains what the
// client still sends for a moment before closing: closing with unread bytes (a refused upload)
// would reset the connection and could destroy the response before the client reads it.
void Session::close_gracefully() {
  if (!refused_ && input_.empty()) {
    close();
    return;
  }
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  arm_timer(Clock::now() + std::chrono::seconds(2), [this] { close(); });
  drain();
}

void Session::drain() {
  socket_.async_read_some(asio::buffer(read_buffer_),
                          [self = shared_from_this()](const error_code& ec, std::size_t) {
                            if (self->closed_) return;
                            if (ec) {
                              self->close();
                              return;
                            }
                            self->drain();
                          });
}

void Session::close() {
  if (closed_) return;
  closed_ = true;
  disarm_timer();
  if (exchange_) exchange_->mark_gone();
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  server_.session_closed(this);
}

}  // namespace reasonrec::http
