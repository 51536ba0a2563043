#pragma once

// cpp-httplib 0.11 gives a request handler no way to see whether its client is still
// connected (yhirose/cpp-httplib#1606, #1633; only a streaming DataSink has is_writable). A
// non-streamed generation can run for minutes, so the server finds the connection's socket by
// its addresses and looks at it while the engine works.

#include <string>

namespace reasonrec::serve {

// The addresses of one TCP connection as cpp-httplib reports them (Request::local_addr...).
struct ConnectionAddress {
  std::string local_addr;
  int local_port = -1;
  std::string remote_addr;
  int remote_port = -1;
};

// The descriptor of this process's socket with exactly these addresses; -1 when none matches.
// The descriptor stays valid while the handler of a request on it runs (the server closes it
// after the handler returns), and must not be closed or read by the caller.
int find_connection_socket(const ConnectionAddress& address);

// Whether the peer has closed or reset the connection. Consumes nothing: data waiting to be
// read (a pipelined request) counts as connected.
bool peer_closed(int socket);

}  // namespace reasonrec::serve
