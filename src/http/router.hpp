#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace reasonrec::http {

// Where a handler runs: quick ones (health, listings) on the I/O thread, anything that may block
// or take long on the worker pool.
enum class Dispatch { Inline, Worker };

// Exact-path routes. A known path asked with another method is a 405 that lists the allowed
// ones; HEAD is answered by the GET route, without the body.
class Router {
 public:
  void add(std::string method, std::string path, Handler handler, Dispatch dispatch);

  struct Match {
    const Handler* handler = nullptr;  // null: no route for this method and path
    Dispatch dispatch = Dispatch::Inline;
    std::string allow;  // when the path is known but not the method: "GET, HEAD"
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
    Dispatch dispatch;
  };
  std::vector<Route> routes_;
};

}  // namespace reasonrec::http
