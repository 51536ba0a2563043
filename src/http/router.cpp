#include "http/router.hpp"

namespace reasonrec::http {

void Router::add(std::string method, std::string path, Handler handler, Dispatch dispatch) {
  routes_.push_back({std::move(method), std::move(path), std::move(handler), dispatch});
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  const std::string_view wanted = method == "HEAD" ? std::string_view("GET") : method;
  Match found;
  for (const Route& route : routes_) {
    if (route.path != path) continue;
    if (route.method == wanted) {
      found.handler = &route.handler;
      found.dispatch = route.dispatch;
      return found;
    }
    if (!found.allow.empty()) found.allow += ", ";
    found.allow += route.method;
    if (route.method == "GET") found.allow += ", HEAD";
  }
  return found;
}

}  // namespace reasonrec::http
