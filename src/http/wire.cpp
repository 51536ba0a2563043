#include "http/wire.hpp"

#include <fmt/format.h>

namespace reasonrec::http {
namespace {

// RFC 9110 token characters.
bool is_tchar(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_target_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

void append_clean(std::string& out, std::string_view text) {
  for (char c : text) out += (c == '\r' || c == '\n') ? ' ' : c;
}

}  // namespace

bool valid_request_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const auto first_space = line.find(' ');
  if (first_space == 0 || first_space == std::string_view::npos) return false;
  for (char c : line.substr(0, first_space)) {
    if (!is_tchar(c)) return false;
  }
  const auto last_space = line.rfind(' ');
  if (last_space == first_space + 1 || last_space == first_space) return false;
  for (char c : line.substr(first_space + 1, last_space - first_space - 1)) {
    if (!is_target_char(c)) return false;
  }
  const std::string_view version = line.substr(last_space + 1);
  return version == "HTTP/1.1" || version == "HTTP/1.0";
}

std::string response_head(const Response& response, Framing framing, std::size_t body_bytes,
                          bool keep_alive) {
  std::string head =
      fmt::format("HTTP/1.1 {} {}\r\n", response.status, reason_phrase(response.status));
  if (!response.content_type.empty()) {
    head += "Content-Type: ";
    append_clean(head, response.content_type);
    head += "\r\n";
  }
  if (framing == Framing::Chunked) {
    head += "Transfer-Encoding: chunked\r\n";
  } else {
    head += fmt::format("Content-Length: {}\r\n", body_bytes);
  }
  head += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  for (const Header& h : response.headers) {
    append_clean(head, h.name);
    head += ": ";
    append_clean(head, h.value);
    head += "\r\n";
  }
  head += "\r\n";
  return head;
}

std::string chunk(std::string_view data) {
  if (data.empty()) return {};
  std::string out = fmt::format("{:x}\r\n", data.size());
  out.append(data);
  out += "\r\n";
  return out;
}

}  // namespace reasonrec::http
