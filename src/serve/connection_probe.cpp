#include "serve/connection_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>

namespace reasonrec::serve {
namespace {

struct Endpoint {
  std::string addr;
  int port = -1;
};

// The numeric address and port of a socket address (IPv4 or IPv6), as getnameinfo with
// NI_NUMERICHOST writes them (what cpp-httplib puts in Request).
std::optional<Endpoint> endpoint_of(const sockaddr_storage& storage) {
  char text[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, &storage, sizeof in);
    if (!inet_ntop(AF_INET, &in.sin_addr, text, sizeof text)) return std::nullopt;
    return Endpoint{text, ntohs(in.sin_port)};
  }
  if (storage.ss_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, &storage, sizeof in6);
    if (!inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text)) return std::nullopt;
    return Endpoint{text, ntohs(in6.sin6_port)};
  }
  return std::nullopt;
}

template <typename Query>
std::optional<Endpoint> query_endpoint(int fd, Query query) {
  sockaddr_storage storage{};
  socklen_t length = sizeof storage;
  if (query(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) return std::nullopt;
  return endpoint_of(storage);
}

bool matches(const std::optional<Endpoint>& endpoint, const std::string& addr, int port) {
  return endpoint && endpoint->port == port && endpoint->addr == addr;
}

}  // namespace

int find_connection_socket(const ConnectionAddress& address) {
  std::error_code error;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    int fd = -1;
    const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), fd);
    if (ec != std::errc() || ptr != name.data() + name.size()) continue;
    // Both ends must match: a port alone can repeat across interfaces.
    if (matches(query_endpoint(fd, ::getsockname), address.local_addr, address.local_port) &&
        matches(query_endpoint(fd, ::getpeername), address.remote_addr, address.remote_port)) {
      return fd;
    }
  }
  return -1;
}

bool peer_closed(int socket) {
  char byte = 0;
  const ssize_t n = ::recv(socket, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return false;
  if (n == 0) return true;  // orderly shutdown by the peer
  return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

}  // namespace reasonrec::serve
