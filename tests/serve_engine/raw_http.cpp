#include "raw_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace reasonrec::test {

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("cannot connect to port " + std::to_string(port));
  }
}

RawConnection::~RawConnection() {
  close();
}

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawConnection::post(const std::string& path, const std::string& body) {
  const std::string request = "POST " + path +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                              "Content-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) throw std::runtime_error("send failed");
    sent += static_cast<std::size_t>(n);
  }
}

bool RawConnection::fill() {
  char buffer[4096];
  const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
  if (n <= 0) return false;
  raw_.append(buffer, static_cast<std::size_t>(n));
  return true;
}

int RawConnection::status() {
  if (headers_read_) return status_;
  std::size_t end;
  while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) throw std::runtime_error("connection closed before the headers: " + raw_);
  }
  const std::string headers = raw_.substr(0, end);
  raw_.erase(0, end + 4);
  status_ = std::stoi(headers.substr(headers.find(' ') + 1, 3));
  if (headers.find("Transfer-Encoding: chunked") == std::string::npos) {
    // Not chunked (an error answer): the rest of the connection is the body.
    while (fill()) {
    }
    body_ = raw_;
    raw_.clear();
    ended_ = true;
  }
  headers_read_ = true;
  return status_;
}

bool RawConnection::next_chunk() {
  std::size_t line_end;
  while ((line_end = raw_.find("\r\n")) == std::string::npos) {
    if (!fill()) return false;
  }
  const std::size_t size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
  while (raw_.size() < line_end + 2 + size + 2) {
    if (!fill()) return false;
  }
  body_ += raw_.substr(line_end + 2, size);
  raw_.erase(0, line_end + 2 + size + 2);
  return size > 0;
}

std::vector<nlohmann::json> RawConnection::read_events(std::size_t count) {
  status();
  std::vector<nlohmann::json> events;
  while (events.size() < count) {
    const std::size_t end = body_.find("\n\n");
    if (end == std::string::npos) {
      if (ended_ || !next_chunk()) {
        ended_ = true;
        if (body_.find("\n\n") == std::string::npos) break;
      }
      continue;
    }
    std::string event = body_.substr(0, end);
    body_.erase(0, end + 2);
    if (event.rfind("data: ", 0) != 0) throw std::runtime_error("not an SSE data event: " + event);
    event.erase(0, 6);
    events.push_back(event == "[DONE]" ? nlohmann::json("[DONE]") : nlohmann::json::parse(event));
  }
  return events;
}

std::vector<nlohmann::json> RawConnection::read_all_events() {
  return read_events(static_cast<std::size_t>(-1));
}

std::vector<nlohmann::json> stream_events(int port, const std::string& path,
                                          const std::string& body) {
  RawConnection connection(port);
  connection.post(path, body);
  if (const int status = connection.status(); status != 200) {
    throw std::runtime_error("status " + std::to_string(status));
  }
  return connection.read_all_events();
}

}  // namespace reasonrec::test
