#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>

namespace reasonrec::llm {

// A libcurl multi handle driven by epoll and curl_multi_socket_action, so that each wake-up
// touches only the sockets that are ready. (curl_multi_perform + curl_multi_poll polls every
// transfer's socket on every call, which costs more than the requests themselves with
// hundreds in flight.)
class CurlMultiLoop {
 public:
  CurlMultiLoop();
  ~CurlMultiLoop();
  CurlMultiLoop(const CurlMultiLoop&) = delete;
  CurlMultiLoop& operator=(const CurlMultiLoop&) = delete;

  CURLM* multi() const { return multi_; }
  void add(CURL* easy);
  void remove(CURL* easy);

  // Waits at most `timeout` for socket activity or curl's own timer, then lets curl act.
  void run_once(std::chrono::milliseconds timeout);

  // Calls f(easy, result) for every finished transfer (still attached; the callee removes).
  template <typename F>
  void for_each_done(F&& f) {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg == CURLMSG_DONE) f(msg->easy_handle, msg->data.result);
    }
  }

 private:
  static int on_socket(CURL* easy, curl_socket_t socket, int what, void* user, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* user);
  void act(curl_socket_t socket, int flags);

  CURLM* multi_ = nullptr;
  int epoll_fd_ = -1;
  std::optional<std::chrono::steady_clock::time_point> timer_;
};

}  // namespace reasonrec::llm
