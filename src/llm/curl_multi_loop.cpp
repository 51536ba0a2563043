#include "llm/curl_multi_loop.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>

#include "util/error.hpp"

namespace reasonrec::llm {

namespace {

// A non-null marker stored with curl_multi_assign: "this socket is in the epoll set".
char registered_marker;

}  // namespace

CurlMultiLoop::CurlMultiLoop() {
  multi_ = curl_multi_init();
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (!multi_ || epoll_fd_ < 0) throw Error("cannot set up the HTTP client (curl/epoll)");
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMultiLoop::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMultiLoop::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
}

CurlMultiLoop::~CurlMultiLoop() {
  if (multi_) curl_multi_cleanup(multi_);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

void CurlMultiLoop::add(CURL* easy) {
  curl_multi_add_handle(multi_, easy);
}

void CurlMultiLoop::remove(CURL* easy) {
  curl_multi_remove_handle(multi_, easy);
}

int CurlMultiLoop::on_socket(CURL*, curl_socket_t socket, int what, void* user, void* socket_data) {
  auto* self = static_cast<CurlMultiLoop*>(user);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_DEL, socket, nullptr);
    curl_multi_assign(self->multi_, socket, nullptr);
    return 0;
  }
  epoll_event ev{};
  ev.data.fd = socket;
  if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev.events |= EPOLLIN;
  if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev.events |= EPOLLOUT;
  if (socket_data) {
    epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, socket, &ev);
  } else {
    if (epoll_ctl(self->epoll_fd_, EPOLL_CTL_ADD, socket, &ev) != 0 && errno == EEXIST) {
      epoll_ctl(self->epoll_fd_, EPOLL_CTL_MOD, socket, &ev);
    }
    curl_multi_assign(self->multi_, socket, &registered_marker);
  }
  return 0;
}

int CurlMultiLoop::on_timer(CURLM*, long timeout_ms, void* user) {
  auto* self = static_cast<CurlMultiLoop*>(user);
  if (timeout_ms < 0) {
    self->timer_.reset();
  } else {
    self->timer_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

void CurlMultiLoop::act(curl_socket_t socket, int flags) {
  int running = 0;
  curl_multi_socket_action(multi_, socket, flags, &running);
}

void CurlMultiLoop::run_once(std::chrono::milliseconds timeout) {
  auto wait = timeout;
  if (timer_) {
    const auto until =
        std::chrono::ceil<std::chrono::milliseconds>(*timer_ - std::chrono::steady_clock::now());
    wait = std::clamp(until, std::chrono::milliseconds(0), wait);
  }
  epoll_event events[256];
  const int n = epoll_wait(epoll_fd_, events, 256, static_cast<int>(wait.count()));
  for (int i = 0; i < n; ++i) {
    int flags = 0;
    if (events[i].events & EPOLLIN) flags |= CURL_CSELECT_IN;
    if (events[i].events & EPOLLOUT) flags |= CURL_CSELECT_OUT;
    if (events[i].events & (EPOLLERR | EPOLLHUP)) flags |= CURL_CSELECT_ERR;
    act(events[i].data.fd, flags);
  }
  if (timer_ && std::chrono::steady_clock::now() >= *timer_) {
    timer_.reset();  // the call below may set a new one
    act(CURL_SOCKET_TIMEOUT, 0);
  }
}

}  // namespace reasonrec::llm
